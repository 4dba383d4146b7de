using Microsoft.Extensions.Options;

namespace RenderFarm.Coordinator.Hosting;

/// <summary>Checks the coordinator's settings against the machine: every media root's folder exists.</summary>
public sealed class CoordinatorSettings : IValidateOptions<CoordinatorOptions>
{
    public ValidateOptionsResult Validate(string? name, CoordinatorOptions options)
    {
        var problems = options.MediaRoots
            .Where(r => !Directory.Exists(r.Value))
            .Select(r => $"{CoordinatorOptions.Section}:{nameof(CoordinatorOptions.MediaRoots)}:{r.Key}: the folder {Path.GetFullPath(r.Value)} does not exist (create or mount it, or map the root to a folder that exists)")
            .ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
