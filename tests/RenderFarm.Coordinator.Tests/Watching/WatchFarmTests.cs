using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Coordinator.Watching;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;
using Kind = RenderFarm.Protos.V1.JobEvent.Types.Kind;

namespace RenderFarm.Coordinator.Tests.Watching;

/// <summary>WatchFarm over the test server with a real agent rendering real clips.</summary>
public sealed class WatchFarmTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private FarmHost _farm = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task WatchFarm_JoinMidRender_SnapshotHoldsJobAndAgentThenEveryEventToFinished()
    {
        _farm = await FarmHost.StartAsync(new Dictionary<string, string?> { ["Coordinator:Watch:AgentPollInterval"] = "00:00:00.100" });
        await _farm.StartAgentAsync("agent-a");
        var input = await TestClips.CopyAsync(TestClips.LongAsync(), Path.Combine(_farm.MediaDir, "long.mp4"));
        await using var early = await Subscriber.JoinAsync(_farm);

        var jobId = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { Name = "mid-run", InputPath = input, OutputPath = "proxy.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P } },
        })).Job.Id;
        await early.WaitForAsync(e => e.Job?.Kind == Kind.Started && e.Job.Job.Id == jobId);
        await early.WaitForAsync(e => e.Agent?.Agent.Running.Any(r => r.JobId == jobId) == true);
        await using var late = await Subscriber.JoinAsync(_farm);

        var snapshot = late.Snapshot.Snapshot;
        var activeJob = Assert.Single(snapshot.ActiveJobs, j => j.Id == jobId);
        Assert.Equal(JobState.Running, activeJob.State);
        var agent = Assert.Single(snapshot.Agents, a => a.Id == "agent-a");
        Assert.Equal(AgentState.Busy, agent.State);
        var running = Assert.Single(agent.Running);
        Assert.Equal(jobId, running.JobId);
        Assert.Equal("mid-run", running.JobName);
        Assert.Equal(activeJob.Tasks[0].Percent, running.Percent);
        Assert.Equal(1u, snapshot.Stats.ConnectedAgents);

        await late.WaitForAsync(e => e.Job?.Kind == Kind.Finished && e.Job.Job.Id == jobId);
        await early.WaitForAsync(e => e.Job?.Kind == Kind.Finished && e.Job.Job.Id == jobId);

        late.AssertContiguous();
        early.AssertContiguous();
        var lateKinds = late.JobKinds(jobId);
        Assert.Equal(Kind.Finished, lateKinds[^1]);
        Assert.DoesNotContain(Kind.Submitted, lateKinds);
        var earlyKinds = early.JobKinds(jobId);
        Assert.Equal(Kind.Submitted, earlyKinds[0]);
        Assert.Contains(Kind.Started, earlyKinds);
        Assert.Equal(Kind.Finished, earlyKinds[^1]);
        Assert.Single(earlyKinds, k => k == Kind.Finished);

        foreach (var e in late.Events)
        {
            Assert.Equal(e, early.Events.Single(x => x.Sequence == e.Sequence));
        }

        var final = late.Events.Last(e => e.Job?.Job.Id == jobId).Job.Job;
        Assert.Equal(JobState.Succeeded, final.State);
        Assert.Equal(final, early.Events.Last(e => e.Job?.Job.Id == jobId).Job.Job);
        Assert.Equal(final.Result.Sha256, (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = jobId })).Job.Result.Sha256);
    }

    [Fact]
    public async Task WatchFarm_AgentJoinsAndLeaves_JoinedAndLeftEvents()
    {
        _farm = await FarmHost.StartAsync();
        await using var watcher = await Subscriber.JoinAsync(_farm);

        var agent = await _farm.StartAgentAsync("agent-b");
        await watcher.WaitForAsync(e => e.Agent?.Kind == AgentEvent.Types.Kind.Joined && e.Agent.Agent.Id == "agent-b");
        await agent.StopAsync();
        var left = await watcher.WaitForAsync(e => e.Agent?.Kind == AgentEvent.Types.Kind.Left && e.Agent.Agent.Id == "agent-b");

        Assert.Equal(AgentState.Disconnected, left.Agent.Agent.State);
        watcher.AssertContiguous();
    }

    [Fact]
    public async Task WatchFarm_SubscriberStopsReading_IsCutOffWhileOthersContinue()
    {
        _farm = await FarmHost.StartAsync(new Dictionary<string, string?> { ["Coordinator:Watch:SubscriberBuffer"] = "64" });
        var hub = _farm.Services.GetRequiredService<FarmEventHub>();
        var input = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, "in.mp4"));
        using var stalled = _farm.Farm.WatchFarm(new WatchFarmRequest());
        await using var reader = await Subscriber.JoinAsync(_farm);
        await FarmHost.WaitUntilAsync(() => Task.FromResult(hub.SubscriberCount == 2), Timeout);

        const int jobs = 2000;
        for (var i = 0; i < jobs && hub.SubscriberCount == 2; i++)
        {
            await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
            {
                Spec = new JobSpec { Name = $"flood {i}", InputPath = input, OutputPath = $"out-{i}.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P } },
            });
        }

        await FarmHost.WaitUntilAsync(() => Task.FromResult(hub.SubscriberCount == 1), Timeout);
        var last = await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { Name = "after the cut", InputPath = input, OutputPath = "after.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P } },
        });
        await reader.WaitForAsync(e => e.Job?.Job.Id == last.Job.Id);
        reader.AssertContiguous();

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await stalled.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("fell behind", error.Status.Detail);
    }

    /// <summary>A WatchFarm stream read in the background into a list.</summary>
    private sealed class Subscriber : IAsyncDisposable
    {
        private readonly AsyncServerStreamingCall<FarmEvent> _call;
        private readonly List<FarmEvent> _events = [];
        private readonly Task _reading;
        private readonly CancellationTokenSource _stop = new();

        private Subscriber(AsyncServerStreamingCall<FarmEvent> call, FarmEvent snapshot)
        {
            _call = call;
            Snapshot = snapshot;
            _reading = Task.Run(ReadAsync);
        }

        public FarmEvent Snapshot { get; }

        public IReadOnlyList<FarmEvent> Events
        {
            get
            {
                lock (_events) return _events.ToList();
            }
        }

        public static async Task<Subscriber> JoinAsync(FarmHost farm)
        {
            var call = farm.Farm.WatchFarm(new WatchFarmRequest());
            using var cts = new CancellationTokenSource(Timeout);
            Assert.True(await call.ResponseStream.MoveNext(cts.Token));
            var first = call.ResponseStream.Current;
            Assert.Equal(FarmEvent.EventOneofCase.Snapshot, first.EventCase);
            return new Subscriber(call, first);
        }

        public async Task<FarmEvent> WaitForAsync(Func<FarmEvent, bool> condition)
        {
            FarmEvent? found = null;
            await FarmHost.WaitUntilAsync(() => Task.FromResult((found = Events.FirstOrDefault(condition)) is not null || _reading.IsCompleted), Timeout);
            return found ?? throw new Xunit.Sdk.XunitException($"the stream ended without the event: {_reading.Exception?.GetBaseException().Message}");
        }

        /// <summary>The events follow the snapshot's sequence number with no gap and no repeat.</summary>
        public void AssertContiguous() =>
            Assert.Equal(
                Enumerable.Range(1, Events.Count).Select(i => Snapshot.Sequence + (ulong)i),
                Events.Select(e => e.Sequence));

        public List<Kind> JobKinds(string jobId) =>
            Events.Where(e => e.Job?.Job.Id == jobId).Select(e => e.Job.Kind).ToList();

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _call.Dispose();
            try { await _reading; } catch (RpcException) { } catch (OperationCanceledException) { }
        }

        private async Task ReadAsync()
        {
            while (await _call.ResponseStream.MoveNext(_stop.Token))
            {
                lock (_events) _events.Add(_call.ResponseStream.Current);
            }
        }
    }
}
