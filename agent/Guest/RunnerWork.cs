using RenderFarm.Agent.Execution;

namespace RenderFarm.Agent.Guest;

/// <summary>The attempts <see cref="AttemptRunner"/> runs.</summary>
public sealed class RunnerWork(AttemptRunner runner) : IGuestWork
{
    public IReadOnlyCollection<string> RunningAttemptIds => runner.RunningAttemptIds;

    public void GiveBackAll(string reason) => runner.InterruptAll(reason);
}
