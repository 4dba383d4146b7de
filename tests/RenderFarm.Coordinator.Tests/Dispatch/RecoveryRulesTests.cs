using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Cluster;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Dispatch;

/// <summary>Timeouts, blocklists, interruptions and the restart grace, on the real store with a fake clock.</summary>
public sealed class RecoveryRulesTests : IAsyncLifetime
{
    private readonly DomainHarness _h = new();
    private static readonly CancellationToken None = CancellationToken.None;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Fact]
    public async Task MaxRunTime_Exceeded_FailsTheAttemptAsTimeout_StopsTheAgent_AndRetries()
    {
        var job = await _h.SubmitAsync(change: s => s.MaxRunTime = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMinutes(5)));
        var attempt = await _h.AssignAsync(job.Id);
        var timeouts = new AttemptTimeouts(_h.Store, _h.Attempts, _h.Progress, _h.Time);
        await Heartbeat(attempt, TimeSpan.FromMinutes(4));
        Assert.Equal(0, await timeouts.SweepAsync(None));

        await Heartbeat(attempt, TimeSpan.FromMinutes(2));
        Assert.Equal(1, await timeouts.SweepAsync(None));

        var ended = await _h.Store.FindAttemptAsync(attempt.Id, None);
        Assert.Equal((AttemptOutcome.Failed, FailureClass.Timeout), (ended!.Outcome, ended.FailureClass));
        Assert.Contains("maximum run time", ended.Error);
        Assert.Contains(("agent-a", attempt.Id, true), _h.Signals.Stops);
        var task = await _h.TaskOf(job.Id);
        Assert.Equal((TaskState.Waiting, TaskWait.Backoff, 1), (task.State, task.WaitingFor, task.FailedAttempts));
    }

    [Fact]
    public async Task Stall_NoProgressForTheStallTimeout_EndsTheAttempt_ProgressKeepsItAlive()
    {
        var job = await _h.SubmitAsync(change: s => s.StallTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMinutes(1)));
        var attempt = await _h.AssignAsync(job.Id);
        var timeouts = new AttemptTimeouts(_h.Store, _h.Attempts, _h.Progress, _h.Time);
        for (var i = 0; i < 3; i++)
        {
            await Heartbeat(attempt, TimeSpan.FromSeconds(50));
            await _h.Attempts.ReportProgressAsync("agent-a", new TaskProgress { AttemptId = attempt.Id, Percent = 10 * (i + 1) }, None);
            Assert.Equal(0, await timeouts.SweepAsync(None));
        }

        await Heartbeat(attempt, TimeSpan.FromSeconds(61));
        Assert.Equal(1, await timeouts.SweepAsync(None));
        Assert.Contains("stall timeout", (await _h.Store.FindAttemptAsync(attempt.Id, None))!.Error);
    }

    [Fact]
    public async Task RepeatedFailuresOnOneAgent_BlocklistIt_ForThatTaskOnly()
    {
        var job = await _h.SubmitAsync(maxRetries: 5);
        var other = await _h.SubmitAsync("other");
        for (var i = 0; i < _h.Options.BlocklistAfterFailures; i++)
        {
            var attempt = await _h.AssignAsync(job.Id, "flaky");
            await _h.Attempts.FailAsync("flaky", new TaskFailed { AttemptId = attempt.Id, FailureClass = FailureClass.Transient, Message = "ffmpeg crashed" }, None);
            _h.Time.Advance(TimeSpan.FromHours(1));
            await _h.Attempts.ReleaseAsync((await _h.TaskOf(job.Id)).Id, None);
        }

        Assert.True((await _h.TaskOf(job.Id)).IsBlocked("flaky"));
        Assert.False((await _h.TaskOf(other.Id)).IsBlocked("flaky"));

        var registry = new AgentRegistry();
        registry.Add(Agent("flaky"));
        var reason = await new WaitExplainer(registry, new NoRemoteAgents()).ExplainAsync(await _h.TaskOf(job.Id), [], CancellationToken.None);
        Assert.Equal(WaitReason.Types.Kind.Blocklisted, reason!.Kind);
        Assert.Equal(["flaky"], reason.AgentIds);
    }

    [Fact]
    public async Task AgentReportsInterrupted_TaskRequeuesWithoutBurningARetry()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);

        await _h.Attempts.FailAsync("agent-a", new TaskFailed { AttemptId = attempt.Id, FailureClass = FailureClass.Interrupted, Message = "agent is shutting down" }, None);

        var task = await _h.TaskOf(job.Id);
        Assert.Equal((TaskState.Queued, 0, 1), (task.State, task.FailedAttempts, task.LostAttempts));
    }

    [Fact]
    public async Task OperatorCancelsAnAttempt_AgentIsStopped_TaskRequeues_AndOnlyRunningAttemptsQualify()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);

        await _h.Attempts.InterruptAsync(attempt.Id, "machine needed for a screening", None);

        var ended = await _h.Store.FindAttemptAsync(attempt.Id, None);
        Assert.Equal((AttemptOutcome.Canceled, FailureClass.Interrupted), (ended!.Outcome, ended.FailureClass));
        Assert.Contains(("agent-a", attempt.Id, true), _h.Signals.Stops);
        Assert.Equal((TaskState.Queued, 0), ((await _h.TaskOf(job.Id)).State, (await _h.TaskOf(job.Id)).FailedAttempts));
        await Assert.ThrowsAsync<JobStateConflictException>(() => _h.Attempts.InterruptAsync(attempt.Id, "again", None));
        await Assert.ThrowsAsync<NotFoundException>(() => _h.Attempts.InterruptAsync("a-missing", "x", None));
    }

    [Fact]
    public async Task Publish_IsGrantedOnlyToTheLiveLease()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);
        _h.Time.Advance(TimeSpan.FromSeconds(20));

        var granted = await _h.Attempts.GrantPublishAsync("agent-a", attempt.Id, null, None);
        Assert.True(granted.Granted);
        Assert.Equal(_h.Time.GetUtcNow() + _h.Options.LeaseDuration, (await _h.Store.FindAttemptAsync(attempt.Id, None))!.LeaseExpiry);
        Assert.False((await _h.Attempts.GrantPublishAsync("agent-b", attempt.Id, null, None)).Granted);

        _h.Time.Advance(TimeSpan.FromMinutes(1));
        var now = _h.Time.GetUtcNow();
        await _h.Attempts.ExpireAsync(a => a.LeaseExpiry < now, "no heartbeat", None);
        var refused = await _h.Attempts.GrantPublishAsync("agent-a", attempt.Id, null, None);
        Assert.False(refused.Granted);
        Assert.Contains("lease", refused.Reason);
    }

    [Fact]
    public async Task OverdueWaitingTask_WhoseTriggerWasLost_IsReleasedBySweep()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);
        await _h.Attempts.FailAsync("agent-a", new TaskFailed { AttemptId = attempt.Id, FailureClass = FailureClass.Transient, Message = "crash" }, None);
        var notBefore = (await _h.TaskOf(job.Id)).NotBefore!.Value;

        _h.Time.SetUtcNow(notBefore + TimeSpan.FromSeconds(10));
        Assert.Equal(0, await _h.Attempts.ReleaseOverdueAsync(TimeSpan.FromSeconds(30), None));
        Assert.Equal(TaskState.Waiting, (await _h.TaskOf(job.Id)).State);

        _h.Time.SetUtcNow(notBefore + TimeSpan.FromSeconds(31));
        Assert.Equal(1, await _h.Attempts.ReleaseOverdueAsync(TimeSpan.FromSeconds(30), None));
        Assert.Equal(TaskState.Queued, (await _h.TaskOf(job.Id)).State);
    }

    [Fact]
    public async Task RestartGrace_GivesExpiredRunningLeasesOneMoreLease()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);
        _h.Time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(1, await _h.Attempts.GrantReconnectGraceAsync(None));

        var now = _h.Time.GetUtcNow();
        Assert.Equal(0, await _h.Attempts.ExpireAsync(a => a.LeaseExpiry < now, "sweep", None));
        Assert.Equal(now + _h.Options.LeaseDuration, (await _h.Store.FindAttemptAsync(attempt.Id, None))!.LeaseExpiry);
    }

    [Fact]
    public async Task Logs_StoredByOffset_ResentPiecesStoredOnce_ReadInPages()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);
        var logs = new AttemptLogs(_h.Store, Options.Create(_h.Options));

        Assert.True(await logs.AppendAsync("agent-a", new TaskLog { AttemptId = attempt.Id, Offset = 0, Text = "frame=1\n" }, None));
        Assert.True(await logs.AppendAsync("agent-a", new TaskLog { AttemptId = attempt.Id, Offset = 8, Text = "frame=2 é\n" }, None));
        Assert.True(await logs.AppendAsync("agent-a", new TaskLog { AttemptId = attempt.Id, Offset = 0, Text = "frame=1\nframe=2 é\nframe=3\n" }, None));
        Assert.False(await logs.AppendAsync("intruder", new TaskLog { AttemptId = attempt.Id, Offset = 27, Text = "forged\n" }, None));

        var reader = new TaskLogReader(_h.Store);
        var all = await reader.ReadAsync(new GetTaskLogRequest { JobId = job.Id }, None);
        Assert.Equal("frame=1\nframe=2 é\nframe=3\n", all.Text);
        Assert.False(all.Complete);

        var first = await reader.ReadAsync(new GetTaskLogRequest { JobId = job.Id, PageSize = 16 }, None);
        Assert.Equal("frame=1\nframe=2 ", first.Text);
        var second = await reader.ReadAsync(new GetTaskLogRequest { JobId = job.Id, PageSize = 1, PageToken = first.NextPageToken }, None);
        Assert.Equal("", second.Text);
        var third = await reader.ReadAsync(new GetTaskLogRequest { JobId = job.Id, PageSize = 2, PageToken = first.NextPageToken }, None);
        Assert.Equal("é", third.Text);

        await _h.Attempts.CompleteAsync("agent-a", new TaskCompleted { AttemptId = attempt.Id, Output = new OutputInfo() }, None);
        var rest = await reader.ReadAsync(new GetTaskLogRequest { JobId = job.Id, PageToken = third.NextPageToken }, None);
        Assert.Equal("\nframe=3\n", rest.Text);
        Assert.True(rest.Complete);

        await Assert.ThrowsAsync<JobValidationException>(() => reader.ReadAsync(new GetTaskLogRequest { JobId = job.Id, PageToken = "not-a-token" }, None));
    }

    [Fact]
    public async Task WaitReasons_SayWhatAQueuedTaskLacks()
    {
        var job = await _h.SubmitAsync();
        var task = await _h.TaskOf(job.Id);
        var registry = new AgentRegistry();
        var explainer = new WaitExplainer(registry, new NoRemoteAgents());

        Assert.Equal(WaitReason.Types.Kind.NoAgents, (await explainer.ExplainAsync(task, [], CancellationToken.None))!.Kind);

        registry.Add(Agent("no-x264", encoders: ["libx265"]));
        var noEncoder = (await explainer.ExplainAsync(task, [], CancellationToken.None))!;
        Assert.Equal(WaitReason.Types.Kind.NoCapableAgent, noEncoder.Kind);
        Assert.Contains("libx264", noEncoder.Message);

        var capable = Agent("capable");
        registry.Add(capable);
        capable.OperatorDrain = "disk swap";
        Assert.Contains("disk swap", (await explainer.ExplainAsync(task, [], CancellationToken.None))!.Message);

        capable.OperatorDrain = null;
        Assert.Equal(WaitReason.Types.Kind.SlotsBusy, (await explainer.ExplainAsync(task, [], CancellationToken.None))!.Kind);

        capable.RemoveRunning("capable-busy");
        Assert.Equal(WaitReason.Types.Kind.Dispatching, (await explainer.ExplainAsync(task, [], CancellationToken.None))!.Kind);
    }

    [Fact]
    public async Task WaitReasons_WeighTheAgentsOtherCoordinatorsHold()
    {
        var job = await _h.SubmitAsync();
        var task = await _h.TaskOf(job.Id);
        var remote = new FixedRemoteAgents();
        var explainer = new WaitExplainer(new AgentRegistry(), remote);
        async Task<WaitReason> Explain() => (await explainer.ExplainAsync(task, [], CancellationToken.None))!;

        remote.Agents = [new RemoteAgent(Remote("gone", freeSlots: 1), Connected: false)];
        Assert.Equal(WaitReason.Types.Kind.NoAgents, (await Explain()).Kind);

        remote.Agents = [new RemoteAgent(Remote("hevc-only", freeSlots: 1, encoder: "libx265"), Connected: true)];
        var noEncoder = await Explain();
        Assert.Equal(WaitReason.Types.Kind.NoCapableAgent, noEncoder.Kind);
        Assert.Contains("none has the encoder libx264", noEncoder.Message);

        var elsewhere = Remote("elsewhere", freeSlots: 0);
        remote.Agents = [new RemoteAgent(elsewhere, Connected: true)];
        var busy = await Explain();
        Assert.Equal((WaitReason.Types.Kind.SlotsBusy, "all 1 slot(s) on 1 capable agent(s) are busy"), (busy.Kind, busy.Message));
        Assert.Equal(["elsewhere"], busy.AgentIds);

        elsewhere.Draining = true;
        elsewhere.DrainReason = "new GPU";
        var draining = await Explain();
        Assert.Equal(WaitReason.Types.Kind.AgentsDraining, draining.Kind);
        Assert.Contains("elsewhere (new GPU)", draining.Message);

        // A transfer agent needs no media root; one that is free takes the task.
        var transfer = Remote("transfer", freeSlots: 1);
        transfer.MediaRoots.Clear();
        transfer.StorageMode = StorageMode.Transfer;
        remote.Agents = [new RemoteAgent(elsewhere, Connected: true), new RemoteAgent(transfer, Connected: true)];
        Assert.Equal(WaitReason.Types.Kind.Dispatching, (await Explain()).Kind);
    }

    [Fact]
    public async Task WaitReason_OnALargeFarm_NamesAFewBusyAgentsAndCountsTheRest()
    {
        var job = await _h.SubmitAsync();
        var task = await _h.TaskOf(job.Id);
        var registry = new AgentRegistry();
        for (var i = 0; i < 1000; i++) registry.Add(Agent($"busy-{i:0000}"));

        var busy = (await new WaitExplainer(registry, new NoRemoteAgents()).ExplainAsync(task, [], CancellationToken.None))!;

        Assert.Equal(WaitReason.Types.Kind.SlotsBusy, busy.Kind);
        Assert.Equal("all 1000 slot(s) on 1000 capable agent(s) are busy", busy.Message);
        Assert.Equal(WaitExplainer.MaxListedAgents, busy.AgentIds.Count);
        Assert.True(busy.CalculateSize() < 512, $"a queued job's wait reason takes {busy.CalculateSize()} bytes");
    }

    private async Task Heartbeat(AttemptRecord attempt, TimeSpan after)
    {
        _h.Time.Advance(after);
        Assert.Empty(await _h.Attempts.RenewLeasesAsync(attempt.AgentId, [attempt.Id], None));
    }

    private static AgentInfo Remote(string name, uint freeSlots, string encoder = "libx264") => new()
    {
        Id = name, Name = name, Slots = 1, FreeSlots = freeSlots, Encoders = { encoder }, Filters = { "zscale" }, MediaRoots = { "media" },
        StorageMode = StorageMode.Shared,
    };

    /// <summary>The agents another coordinator would list, as set by the test.</summary>
    private sealed class FixedRemoteAgents : IRemoteAgents
    {
        public IReadOnlyList<RemoteAgent> Agents { get; set; } = [];

        public Task<IReadOnlyList<RemoteAgent>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(Agents);

        public Task AnnounceDrainAsync(string agentId, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>A connected 1-slot agent whose slot holds the attempt <c>{name}-busy</c>.</summary>
    private static AgentSession Agent(string name, string[]? encoders = null)
    {
        var hello = new AgentHello { Name = name, Slots = 1, MediaRoots = { "media" }, RunningAttemptIds = { $"{name}-busy" } };
        hello.Encoders.AddRange(encoders ?? ["libx264"]);
        hello.Filters.Add("zscale");
        return new AgentSession(hello, DateTimeOffset.UnixEpoch);
    }
}
