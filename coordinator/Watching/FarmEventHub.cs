using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Watching;

/// <summary>
/// The farm's ordered event log for WatchFarm.
/// <para>
/// Domain code says what changed with <see cref="JobChanged"/> and <see cref="AgentChanged"/> (job
/// publications and agent joins and departures reach it on their own); these only queue the id and never
/// block. <see cref="FarmEventPump"/> reloads what changed, decides the kind of event, and appends it.
/// </para>
/// <para>
/// Snapshot consistency: <see cref="Append"/> gives an event the next sequence number, applies it to the
/// <see cref="FarmView"/> and offers it to every subscriber, all under one lock. <see cref="Subscribe"/>
/// takes the same lock to register the subscriber's buffer and copy the view at the current number S.
/// So the snapshot is exactly the state after event S, and the buffer receives exactly S+1, S+2, ...:
/// an event is either in the snapshot or in the buffer, never in both and never in neither.
/// </para>
/// </summary>
public sealed class FarmEventHub
{
    private readonly Lock _gate = new();
    private readonly FarmView _view = new();
    private readonly List<FarmSubscription> _subscribers = [];
    private readonly Channel<FarmChange> _changes = Channel.CreateUnbounded<FarmChange>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IOptions<FarmWatchOptions> _options;
    private readonly TimeProvider _time;
    private ulong _sequence;

    public FarmEventHub(JobEvents jobs, AgentRegistry agents, IOptions<FarmWatchOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
        jobs.Changed += JobChanged;
        agents.Changed += AgentChanged;
    }

    /// <summary>A job was submitted or changed (state, tasks, attempts or progress). Called for every <see cref="JobEvents.Publish"/>.</summary>
    public void JobChanged(string jobId) => _changes.Writer.TryWrite(new FarmChange(FarmChange.Subject.Job, jobId));

    /// <summary>
    /// An agent joined, left, was drained or resumed, or its slots or work changed. The kind of event
    /// (JOINED, LEFT, DRAINED, RESUMED, UPDATED) is read off the difference between its AgentInfo now and
    /// the one the log last carried, so callers only say which agent. Agents are also compared every
    /// <see cref="FarmWatchOptions.AgentPollInterval"/>; calling this makes the event immediate.
    /// </summary>
    public void AgentChanged(string agentId) => _changes.Writer.TryWrite(new FarmChange(FarmChange.Subject.Agent, agentId));

    /// <summary>Completes once the view holds the jobs that were active when the coordinator started.</summary>
    public Task Ready => _ready.Task;

    /// <summary>The sequence number of the last event appended (0 before the first).</summary>
    public ulong Sequence
    {
        get
        {
            lock (_gate) return _sequence;
        }
    }

    public int SubscriberCount
    {
        get
        {
            lock (_gate) return _subscribers.Count;
        }
    }

    internal ChannelReader<FarmChange> Changes => _changes.Reader;

    /// <summary>Registers a subscriber and copies the view, atomically with respect to <see cref="Append"/>.</summary>
    public FarmSubscription Subscribe()
    {
        lock (_gate)
        {
            var subscription = new FarmSubscription(this, _options.Value.SubscriberBuffer, _sequence, _view.Capture());
            _subscribers.Add(subscription);
            return subscription;
        }
    }

    internal void Unsubscribe(FarmSubscription subscription)
    {
        lock (_gate) _subscribers.Remove(subscription);
    }

    internal Job? FindJob(string jobId)
    {
        lock (_gate) return _view.FindJob(jobId);
    }

    internal AgentInfo? FindAgent(string agentId)
    {
        lock (_gate) return _view.FindAgent(agentId);
    }

    /// <summary>Fills the view with what was there before the first event, then opens the hub to subscribers.</summary>
    internal void Seed(IEnumerable<Job> activeJobs, IEnumerable<AgentInfo> agents)
    {
        lock (_gate)
        {
            foreach (var job in activeJobs) _view.Apply(new FarmEvent { Job = new JobEvent { Kind = JobEvent.Types.Kind.Changed, Job = job } });
            foreach (var agent in agents) _view.Apply(new FarmEvent { Agent = new AgentEvent { Kind = AgentEvent.Types.Kind.Updated, Agent = agent } });
        }

        _ready.TrySetResult();
    }

    internal void Append(JobEvent jobEvent) => Append(new FarmEvent { Job = jobEvent });

    internal void Append(AgentEvent agentEvent) => Append(new FarmEvent { Agent = agentEvent });

    private void Append(FarmEvent farmEvent)
    {
        lock (_gate)
        {
            farmEvent.Sequence = ++_sequence;
            farmEvent.Time = Timestamp.FromDateTimeOffset(_time.GetUtcNow());
            _view.Apply(farmEvent);
            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                var subscriber = _subscribers[i];
                if (subscriber.Offer(farmEvent)) continue;
                subscriber.CutOff();
                _subscribers.RemoveAt(i);
            }
        }
    }
}
