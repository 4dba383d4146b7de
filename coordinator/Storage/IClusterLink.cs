namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// What a store shared by several coordinators adds: a slot number that tells this coordinator apart, and a
/// way to ask whichever coordinator holds an agent's stream to stop one of its attempts. Commits made by
/// other coordinators arrive through <see cref="IJobStore.Committed"/> like local ones.
/// </summary>
public interface IClusterLink
{
    /// <summary>This coordinator's slot (0-63), different for coordinators started one after another.</summary>
    int NodeSlot { get; }

    /// <summary>Raised when another coordinator asks for an attempt to be stopped.</summary>
    event Action<StopNotice>? StopRequested;

    /// <summary>Asks every other coordinator to stop the attempt if it holds the agent's stream.</summary>
    Task RequestStopAsync(StopNotice notice, CancellationToken cancellationToken);
}

/// <summary>An agent must stop an attempt: canceled by a person, or no longer its own.</summary>
public sealed record StopNotice(string AgentId, string AttemptId, bool Canceled, string Reason);
