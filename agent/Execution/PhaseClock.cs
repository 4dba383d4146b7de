using Google.Protobuf.WellKnownTypes;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Execution;

/// <summary>
/// The task timeline of one attempt on this agent: each step it takes (open, probe, ffmpeg, verify, sha256, publish ...)
/// as a named span on the agent's clock, sent with the completion so <c>farmctl job ID --timeline</c> shows where the
/// time of a task went. Steps are recorded from the attempt's own task, one after another; the lock only guards a read
/// that races the last step.
/// </summary>
public sealed class PhaseClock(TimeProvider time)
{
    private readonly List<TaskPhase> _phases = [];
    private readonly Lock _gate = new();

    /// <summary>The clock's current time.</summary>
    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>Starts a step; disposing the returned scope ends it (also when the step throws).</summary>
    public Scope Measure(string name) => new(this, name, Now);

    /// <summary>An instant (a step with no length), such as the moment the assignment arrived.</summary>
    public void Mark(string name)
    {
        var now = Now;
        Add(name, now, now);
    }

    public void Add(string name, DateTimeOffset start, DateTimeOffset end)
    {
        var phase = new TaskPhase { Name = name, StartTime = Timestamp.FromDateTimeOffset(start), EndTime = Timestamp.FromDateTimeOffset(end) };
        lock (_gate) _phases.Add(phase);
    }

    /// <summary>The steps so far, in the order they began.</summary>
    public TaskTimeline ToTimeline()
    {
        var timeline = new TaskTimeline();
        lock (_gate) timeline.Phases.AddRange(_phases.OrderBy(p => p.StartTime).Select(p => p.Clone()));
        return timeline;
    }

    /// <summary>One running step.</summary>
    public readonly struct Scope(PhaseClock clock, string name, DateTimeOffset start) : IDisposable
    {
        public void Dispose() => clock.Add(name, start, clock.Now);
    }
}
