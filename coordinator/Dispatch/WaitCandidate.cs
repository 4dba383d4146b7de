using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// A connected agent as the wait explainer weighs it, whether this coordinator holds its stream or another one does:
/// what it can run, whether it is draining, and its slots.
/// </summary>
public sealed record WaitCandidate(
    string Id,
    IReadOnlyCollection<string> Encoders,
    IReadOnlyCollection<string> Filters,
    IReadOnlyCollection<string> MediaRoots,
    bool Transfers,
    bool Draining,
    string DrainReason,
    int Slots,
    int FreeSlots)
{
    /// <summary>The same test the dispatcher applies (<see cref="AgentSession.CanRun"/>).</summary>
    public bool CanRun(TaskRequirements needs) =>
        Encoders.Contains(needs.Encoder) && needs.Filters.All(Filters.Contains) && (Transfers || needs.MediaRoots.All(MediaRoots.Contains));

    public static WaitCandidate Of(AgentSession session) => new(
        session.Id, session.Hello.Encoders, session.Hello.Filters, session.Hello.MediaRoots, session.Transfers,
        session.Draining, session.DrainReason, (int)session.Hello.Slots, session.FreeSlots);

    /// <summary>An agent another coordinator holds, as <see cref="Cluster.IRemoteAgents"/> lists it.</summary>
    public static WaitCandidate Of(AgentInfo remote) => new(
        remote.Id, remote.Encoders, remote.Filters, remote.MediaRoots, remote.StorageMode == StorageMode.Transfer,
        remote.Draining, remote.DrainReason, (int)remote.Slots, (int)remote.FreeSlots);
}
