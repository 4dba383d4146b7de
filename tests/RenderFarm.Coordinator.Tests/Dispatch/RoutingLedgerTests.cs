using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Cluster;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using Kind = RenderFarm.Protos.V1.WaitReason.Types.Kind;

namespace RenderFarm.Coordinator.Tests.Dispatch;

/// <summary>The counted routing rules on the store: the claim refuses what a full group or a job's agent cap forbids, and the wait reason says which.</summary>
public sealed class RoutingLedgerTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly DomainHarness _h = new();

    public Task InitializeAsync()
    {
        _h.Options.Limits["prores-licence"] = 1;
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    private static AgentSession Agent(string name, bool busy)
    {
        var hello = new AgentHello { Name = name, Slots = 1, MediaRoots = { "media" }, Encoders = { "libx264" }, Filters = { "zscale" } };
        if (busy) hello.RunningAttemptIds.Add($"{name}-busy");
        return new AgentSession(hello, DateTimeOffset.UnixEpoch);
    }

    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Claim_OfASecondTaskOfAFullLimitGroup_IsRefused_AndTheWaitReasonCountsTheGroup(string provider)
    {
        await using var h = await DomainHarness.ForAsync(provider);
        h.Options.Limits["prores-licence"] = 1;
        var first = await h.SubmitAsync("first", change: s => s.LimitGroup = "prores-licence");
        var second = await h.SubmitAsync("second", change: s => s.LimitGroup = "PRORES-licence");
        Assert.NotNull(await h.Attempts.TryAssignAsync(await h.TaskOf(first.Id), "agent-a", None));

        Assert.Null(await h.Attempts.TryAssignAsync(await h.TaskOf(second.Id), "agent-b", None));
        Assert.Equal(TaskState.Queued, (await h.TaskOf(second.Id)).State);

        var registry = new AgentRegistry();
        registry.Add(Agent("agent-b", busy: false));
        var explainer = new WaitExplainer(registry, new NoRemoteAgents(), new RoutingCounts(h.Store, Options.Create(h.Options), h.Time));
        var reason = (await explainer.ExplainAsync(await h.TaskOf(second.Id), [], None))!;
        Assert.Equal((Kind.LimitGroup, "limit group prores-licence is full (1/1)"), (reason.Kind, reason.Message));
    }

    [Fact]
    public async Task WaitReason_OfAJobAtItsAgentCapWhoseAgentsAreBusy_NamesTheCapAndTheAgents()
    {
        var job = await _h.SubmitAsync("capped", change: s => s.MaxAgents = 1);
        var task = await _h.TaskOf(job.Id);
        Assert.NotNull(await _h.Attempts.TryAssignAsync(task, "agent-a", None));
        // Another task of the same job (as a chunk would be), still queued, while agent-b is free.
        var sibling = task with { Id = task.Id + "-sibling", State = TaskState.Queued };
        var registry = new AgentRegistry();
        registry.Add(Agent("agent-a", busy: true));
        registry.Add(Agent("agent-b", busy: false));
        var explainer = new WaitExplainer(registry, new NoRemoteAgents(), new RoutingCounts(_h.Store, Options.Create(_h.Options), _h.Time));

        var reason = (await explainer.ExplainAsync(sibling, [], None))!;

        Assert.Equal((Kind.MaxAgents, "max 1 agent at once: the job runs on agent-a, which has no free slot"), (reason.Kind, reason.Message));
        Assert.Equal(["agent-a"], reason.AgentIds);
        var ledger = new RoutingLedger(await _h.Store.GetRunningRoutesAsync(None), _h.Options.Limits);
        Assert.False(ledger.AgentAllowed(sibling.Requirements, job.Id, "agent-b"));
        Assert.True(ledger.AgentAllowed(sibling.Requirements, job.Id, "agent-a"));
    }
}
