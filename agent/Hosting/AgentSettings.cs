using Microsoft.Extensions.Options;
using RenderFarm.Agent.Transfer;
using RenderFarm.Protos.Connection;
using RenderFarm.Protos.Hosting;

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
        o.Transfer.CacheDirectory = Path.GetFullPath(o.Transfer.CacheDirectory, o.DataDirectory);
        o.Transfer.WorkDirectory = Path.GetFullPath(o.Transfer.WorkDirectory, o.DataDirectory);
        if (o.MediaRoots.Count == 0 && o.Storage == AgentStorage.Shared)
        {
            foreach (var (name, path) in AgentOptions.DefaultMediaRoots) o.MediaRoots[name] = path;
        }
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

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
