namespace RenderFarm.Coordinator.Jobs;

/// <summary>A request that cannot be accepted as it is; each problem names the field and what to change.</summary>
public sealed class JobValidationException(IReadOnlyList<string> problems)
    : Exception(string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
