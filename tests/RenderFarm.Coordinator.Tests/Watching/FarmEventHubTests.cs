using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Watching;
using RenderFarm.Protos.V1;
using Kind = RenderFarm.Protos.V1.JobEvent.Types.Kind;

namespace RenderFarm.Coordinator.Tests.Watching;

/// <summary>The hub's log on its own: numbering, snapshots and cut-offs, with events appended by hand.</summary>
public sealed class FarmEventHubTests
{
    private readonly JobEvents _jobs = new();
    private readonly AgentRegistry _agents = new();

    private FarmEventHub Hub(int buffer = 16) =>
        new(_jobs, _agents, Options.Create(new FarmWatchOptions { SubscriberBuffer = buffer }), TimeProvider.System);

    private static JobEvent Event(Kind kind, string jobId, JobState state) => new() { Kind = kind, Job = new Job { Id = jobId, State = state } };

    [Fact]
    public void Subscribe_AfterEvents_SnapshotStandsAtTheLastSequenceAndHoldsOnlyActiveJobs()
    {
        var hub = Hub();
        hub.Seed([new Job { Id = "job-old", State = JobState.Queued }], []);
        hub.Append(Event(Kind.Submitted, "job-1", JobState.Queued));
        hub.Append(Event(Kind.Submitted, "job-2", JobState.Queued));
        hub.Append(Event(Kind.Finished, "job-1", JobState.Canceled));

        using var subscription = hub.Subscribe();

        Assert.Equal(3ul, subscription.Sequence);
        Assert.Equal(["job-2", "job-old"], subscription.Snapshot.ActiveJobs.Select(j => j.Id));
    }

    [Fact]
    public void Append_AfterSubscribe_DeliversEveryLaterEventOnceInOrder()
    {
        var hub = Hub();
        hub.Append(Event(Kind.Submitted, "job-1", JobState.Queued));
        using var subscription = hub.Subscribe();

        hub.Append(Event(Kind.Started, "job-1", JobState.Running));
        hub.Append(Event(Kind.Finished, "job-1", JobState.Succeeded));

        var received = new List<FarmEvent>();
        while (subscription.Events.TryRead(out var e)) received.Add(e);
        Assert.Equal([2ul, 3ul], received.Select(e => e.Sequence));
        Assert.Equal([Kind.Started, Kind.Finished], received.Select(e => e.Job.Kind));
    }

    [Fact]
    public void JobEventsPublish_ReachesTheHubAsAChangeNote()
    {
        var hub = Hub();

        _jobs.Publish("job-9");

        Assert.True(hub.Changes.TryRead(out var change));
        Assert.Equal(new FarmChange(FarmChange.Subject.Job, "job-9"), change);
    }

    [Fact]
    public void Append_SubscriberBufferFull_CutsOffOnlyThatSubscriber()
    {
        var hub = Hub(buffer: 2);
        var stalled = hub.Subscribe();
        var reader = hub.Subscribe();
        var read = new List<ulong>();

        for (var i = 0; i < 5; i++)
        {
            hub.Append(Event(Kind.Submitted, $"job-{i}", JobState.Queued));
            while (reader.Events.TryRead(out var e)) read.Add(e.Sequence);
        }

        Assert.True(stalled.FellBehind);
        var buffered = new List<ulong>();
        while (stalled.Events.TryRead(out var e)) buffered.Add(e.Sequence);
        Assert.Equal([1ul, 2ul], buffered);
        Assert.True(stalled.Events.Completion.IsCompleted);
        Assert.False(reader.FellBehind);
        Assert.Equal([1ul, 2ul, 3ul, 4ul, 5ul], read);
        Assert.Equal(1, hub.SubscriberCount);
    }
}
