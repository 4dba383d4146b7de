namespace RenderFarm.Coordinator.Jobs;

/// <summary>What the job domain tells the dispatch layer after a committed change.</summary>
public interface IWorkSignals
{
    /// <summary>A task became QUEUED or a slot may have freed: try to hand out work.</summary>
    void WorkAvailable();

    /// <summary>An agent must stop an attempt: canceled by a person, or no longer its own.</summary>
    void StopAttempt(string agentId, string attemptId, bool canceled, string reason);
}
