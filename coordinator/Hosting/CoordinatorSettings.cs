using Microsoft.Extensions.Options;

namespace RenderFarm.Coordinator.Hosting;

/// <summary>Checks the coordinator's settings against the machine: every media root's folder exists, and every limit group is a name with a limit of at least 1.</summary>
public sealed class CoordinatorSettings : IValidateOptions<CoordinatorOptions>
{
    public ValidateOptionsResult Validate(string? name, CoordinatorOptions options)
    {
        var problems = options.MediaRoots
            .Where(r => !Directory.Exists(r.Value))
            .Select(r => $"{CoordinatorOptions.Section}:{nameof(CoordinatorOptions.MediaRoots)}:{r.Key}: the folder {Path.GetFullPath(r.Value)} does not exist (create or mount it, or map the root to a folder that exists)")
            .ToList();
        problems.AddRange(options.Limits
            .Where(l => !Jobs.RoutingNames.IsValid(l.Key) || l.Value < 1)
            .Select(l => $"{CoordinatorOptions.Section}:{nameof(CoordinatorOptions.Limits)}:{l.Key}: {(l.Value < 1 ? $"the limit {l.Value} must be at least 1 (remove the group to lift it)" : Jobs.RoutingNames.Rule)}"));
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
