using Microsoft.Extensions.Options;
using RenderFarm.Agent.Guest;
using RenderFarm.Agent.Transfer;
using RenderFarm.Protos.Connection;
using RenderFarm.Protos.Hosting;
using RenderFarm.Protos.Schedules;

namespace RenderFarm.Agent.Hosting;

/// <summary>
/// The agent's settings made whole after binding (its data folder and the files in it, the default media root when
/// none is configured) and checked against the machine: the coordinator's addresses and every media root's folder.
/// A problem is one line naming the setting.
/// </summary>
public sealed class AgentSettings : IValidateOptions<AgentOptions>
{
    /// <summary>The data folder (see <see cref="AgentOptions.DataDirectory"/>); the credential, logs and caches resolved against it.</summary>
    public static void Resolve(AgentOptions o)
    {
        o.DataDirectory = DataFolders.Resolve(o.DataDirectory, "agent");
        o.CredentialFile = Path.GetFullPath(o.CredentialFile, o.DataDirectory);
        o.LogDirectory = Path.GetFullPath(o.LogDirectory, o.DataDirectory);
        o.RenderDirectory = Path.GetFullPath(o.RenderDirectory, o.DataDirectory);
        o.Transfer.CacheDirectory = Path.GetFullPath(o.Transfer.CacheDirectory, o.DataDirectory);
        o.Transfer.WorkDirectory = Path.GetFullPath(o.Transfer.WorkDirectory, o.DataDirectory);
        if (o.MediaRoots.Count == 0 && o.Storage == AgentStorage.Shared)
        {
            foreach (var (name, path) in AgentOptions.DefaultMediaRoots) o.MediaRoots[name] = path;
        }
    }

    private static IEnumerable<string> GuestProblems(GuestOptions guest)
    {
        const string section = $"{AgentOptions.Section}:{nameof(AgentOptions.Guest)}";
        if (!WorkHours.TryParse(guest.Hours, out _, out var problem)) yield return $"{section}:{nameof(GuestOptions.Hours)}: {problem}";
        if (guest.TimeZone.Length > 0 && !TimeZoneInfo.TryFindSystemTimeZoneById(guest.TimeZone, out _))
        {
            yield return $"{section}:{nameof(GuestOptions.TimeZone)}: '{guest.TimeZone}' is not a time zone of this machine, e.g. Europe/Paris";
        }

        if (guest.IdleMinutes < 0) yield return $"{section}:{nameof(GuestOptions.IdleMinutes)}: must not be negative (0 = not watched)";
        if (guest.PauseLimit <= TimeSpan.Zero) yield return $"{section}:{nameof(GuestOptions.PauseLimit)}: must be above 0";
        if (guest.CheckInterval < TimeSpan.FromMilliseconds(100)) yield return $"{section}:{nameof(GuestOptions.CheckInterval)}: must be at least 00:00:00.1";
        if (guest.MaxOtherCpuPercent is < 0 or > 100) yield return $"{section}:{nameof(GuestOptions.MaxOtherCpuPercent)}: must be 0 (not checked) to 100";
        if (guest.MinFreeDiskGB < 0) yield return $"{section}:{nameof(GuestOptions.MinFreeDiskGB)}: must not be negative";
        if (guest.MinFreeMemoryGB < 0) yield return $"{section}:{nameof(GuestOptions.MinFreeMemoryGB)}: must not be negative";
    }

    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var problems = new List<string>();
        if (!CoordinatorChannel.TryParse(options.Coordinator, out var addresses, out var problem))
        {
            problems.Add($"{AgentOptions.Section}:{nameof(AgentOptions.Coordinator)}: {problem}");
        }
        else if (addresses.Count == 0)
        {
            problems.Add($"{AgentOptions.Section}:{nameof(AgentOptions.Coordinator)}: is empty; name the coordinator, e.g. http://farm-coordinator:7400");
        }

        if (options.Storage == AgentStorage.Shared)
        {
            foreach (var (root, path) in options.MediaRoots)
            {
                if (!Directory.Exists(path))
                {
                    problems.Add($"{AgentOptions.Section}:{nameof(AgentOptions.MediaRoots)}:{root}: the folder {Path.GetFullPath(path)} does not exist (mount it, or map the root to a folder that exists)");
                }
            }
        }

        problems.AddRange(GuestProblems(options.Guest));
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
