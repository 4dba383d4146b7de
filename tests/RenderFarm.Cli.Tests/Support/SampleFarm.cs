using Google.Protobuf.WellKnownTypes;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Support;

/// <summary>WatchFarm events as a coordinator would send them.</summary>
public static class SampleFarm
{
    public static readonly DateTimeOffset Start = new(2025, 11, 24, 14, 0, 0, TimeSpan.Zero);

    public static AgentInfo Agent(string name, AgentState state, uint slots = 2, params RunningAttempt[] running)
    {
        var agent = new AgentInfo
        {
            Id = $"id-{name}", Name = name, State = state, Slots = slots, FreeSlots = slots - (uint)running.Length, LoadAverage = 3.5,
        };
        agent.Running.AddRange(running);
        return agent;
    }

    public static RunningAttempt Running(string jobId, double percent, double fps) => new()
    {
        AttemptId = $"att-{jobId}", JobId = jobId, TaskId = $"{jobId}-t1", JobName = $"name-{jobId}", Percent = percent, Fps = fps,
    };

    /// <summary>A snapshot at <see cref="Start"/> plus <paramref name="seconds"/>, with queue stats.</summary>
    public static FarmEvent Snapshot(ulong sequence, IEnumerable<AgentInfo> agents, IEnumerable<Job> jobs, GetQueueStatsResponse? stats = null, int seconds = 0) => new()
    {
        Sequence = sequence,
        Time = Timestamp.FromDateTimeOffset(Start.AddSeconds(seconds)),
        Snapshot = new FarmSnapshot { Agents = { agents }, ActiveJobs = { jobs }, Stats = stats ?? new GetQueueStatsResponse() },
    };

    public static FarmEvent JobChanged(ulong sequence, Job job, JobEvent.Types.Kind kind = JobEvent.Types.Kind.Changed, int seconds = 0) => new()
    {
        Sequence = sequence,
        Time = Timestamp.FromDateTimeOffset(Start.AddSeconds(seconds)),
        Job = new JobEvent { Kind = kind, Job = job },
    };

    public static FarmEvent AgentChanged(ulong sequence, AgentInfo agent, AgentEvent.Types.Kind kind = AgentEvent.Types.Kind.Updated) => new()
    {
        Sequence = sequence,
        Time = Timestamp.FromDateTimeOffset(Start),
        Agent = new AgentEvent { Kind = kind, Agent = agent },
    };

    /// <summary>A job queued for <paramref name="reason"/>.</summary>
    public static Job Queued(string id, WaitReason reason, int createdMinutesBeforeStart = 0)
    {
        var job = SampleJobs.Job(id, JobState.Queued);
        job.CreateTime = Timestamp.FromDateTimeOffset(Start.AddMinutes(-createdMinutesBeforeStart));
        job.Tasks.Add(new RenderTask { Id = $"{id}-t1", State = TaskState.Queued, WaitReason = reason });
        return job;
    }
}
