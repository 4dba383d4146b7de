using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Cluster;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// What operators read about the farm: its agents and its queue. The agents are this coordinator's and, with several
/// coordinators, those the others hold (<see cref="IRemoteAgents"/>): an agent connected anywhere is listed as such.
/// </summary>
public sealed class FarmStatus(
    AgentRegistry agents, IRemoteAgents remote, IJobStore store, RecentThroughput throughput, LiveProgress progress, AgentSchedules schedules, TimeLeft timeLeft, IOptions<CoordinatorOptions> options, TimeProvider time)
{
    public async Task<IReadOnlyList<AgentInfo>> ListAgentsAsync(CancellationToken cancellationToken)
    {
        var running = await RunningAttemptsAsync(cancellationToken);
        var silence = (time.GetUtcNow(), options.Value.AgentSilenceLimit);
        var listed = agents.Connected.Select(a => ToInfo(a, connected: true, running, silence)).ToDictionary(a => a.Id, StringComparer.Ordinal);
        var others = await remote.ListAsync(cancellationToken);
        foreach (var other in others.Where(o => o.Connected)) listed.TryAdd(other.Info.Id, RemoteAgentView.WithDetails(other.Info, running));
        foreach (var departed in agents.Departed) listed.TryAdd(departed.Id, ToInfo(departed, connected: false, running));
        foreach (var other in others.Where(o => !o.Connected)) listed.TryAdd(other.Info.Id, other.Info);
        // A connected agent's operator schedule is the one its coordinator sent it; a disconnected one's is the stored one.
        var stored = await schedules.ListAsync(cancellationToken);
        foreach (var agent in listed.Values.Where(a => a.State == AgentState.Disconnected).ToList())
        {
            var copy = agent.Clone();
            copy.OperatorSchedule = stored.GetValueOrDefault(agent.Id)?.Clone();
            copy.OperatorScheduleApplied = false;
            listed[agent.Id] = copy;
        }

        return listed.Values.OrderBy(a => a.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>One agent, connected or departed; null when no coordinator of the farm has seen it.</summary>
    public async Task<AgentInfo?> FindAgentAsync(string agentId, CancellationToken cancellationToken) =>
        (await ListAgentsAsync(cancellationToken)).FirstOrDefault(a => a.Id == agentId);

    public async Task<GetQueueStatsResponse> GetQueueStatsAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stored = await store.GetQueueCountsAsync(cancellationToken);
        var finished = await throughput.GetAsync(cancellationToken);
        var oldest = stored.OldestQueued;
        var connected = agents.Connected;
        var local = connected.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        var others = (await remote.ListAsync(cancellationToken)).Where(o => o.Connected && !local.Contains(o.Info.Id)).ToList();
        var response = new GetQueueStatsResponse
        {
            OldestQueuedAge = Duration.FromTimeSpan(oldest is { } o ? Max(now - o.Since, TimeSpan.Zero) : TimeSpan.Zero),
            OldestQueuedJobId = oldest?.JobId ?? "",
            ConnectedAgents = (uint)(connected.Count + others.Count),
            TotalSlots = (uint)(connected.Sum(a => a.Hello.Slots) + others.Sum(o => o.Info.Slots)),
            BusySlots = (uint)(connected.Sum(a => a.RunningAttempts.Count) + others.Sum(o => o.Info.RunningAttemptIds.Count)),
        };
        foreach (var state in System.Enum.GetValues<JobState>().Where(s => s != JobState.Unspecified))
        {
            response.Jobs.Add(new JobStateCount { State = state, Count = (uint)stored.Jobs.GetValueOrDefault(state) });
        }

        foreach (var state in System.Enum.GetValues<TaskState>().Where(s => s != TaskState.Unspecified))
        {
            response.Tasks.Add(new TaskStateCount { State = state, Count = (uint)stored.Tasks.GetValueOrDefault(state) });
        }

        for (var i = 0; i < RecentThroughput.Windows.Length; i++)
        {
            var (window, (succeeded, failed, frames)) = (RecentThroughput.Windows[i], finished[i]);
            response.Throughput.Add(new Throughput
            {
                Window = Duration.FromTimeSpan(window),
                TasksSucceeded = (uint)succeeded,
                TasksFailed = (uint)failed,
                Frames = (ulong)frames,
                FramesPerSecond = frames / window.TotalSeconds,
                TasksPerMinute = succeeded / window.TotalMinutes,
            });
        }

        return response;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Every live attempt with its job's name and its task's latest progress, by attempt id.</summary>
    private async Task<IReadOnlyDictionary<string, RunningAttempt>> RunningAttemptsAsync(CancellationToken cancellationToken)
    {
        var attempts = await store.GetRunningAttemptsAsync(cancellationToken);
        var jobs = await store.FindJobsAsync(attempts.Select(a => a.JobId).Distinct().ToList(), cancellationToken);
        var names = jobs.ToDictionary(j => j.Id, j => j.Spec.Name, StringComparer.Ordinal);

        return attempts.ToDictionary(a => a.Id, a =>
        {
            var live = progress.Get(a.TaskId);
            return new RunningAttempt
            {
                AttemptId = a.Id,
                JobId = a.JobId,
                TaskId = a.TaskId,
                JobName = names.GetValueOrDefault(a.JobId, ""),
                Percent = live?.Percent ?? 0,
                Fps = live?.Fps ?? 0,
                Speed = live?.Speed ?? 0,
                StartTime = Timestamp.FromDateTimeOffset(a.StartTime),
                TimeLeft = live is { } l && timeLeft.ForTask(l, 0, a.StartTime) is { } left ? Duration.FromTimeSpan(left) : null,
            };
        });
    }

    /// <summary>An agent this coordinator holds (or held), with its running attempts taken from <paramref name="attempts"/>.</summary>
    /// <param name="silence">Now and the silence limit, to list an agent on a stalled link as unreachable; none: never.</param>
    internal static AgentInfo ToInfo(AgentSession session, bool connected, IReadOnlyDictionary<string, RunningAttempt> attempts, (DateTimeOffset Now, TimeSpan Limit)? silence = null)
    {
        var running = session.RunningAttempts;
        var info = new AgentInfo
        {
            Id = session.Id,
            Name = session.Hello.Name,
            State = !connected ? AgentState.Disconnected
                : silence is { } s && session.IsUnreachable(s.Now, s.Limit) ? AgentState.Unreachable
                : session.Draining ? (running.Count > 0 ? AgentState.Draining : AgentState.Drained)
                : session.Availability.PausedAttemptIds.Count > 0 ? AgentState.Paused
                : session.Away ? AgentState.Away
                : running.Count > 0 ? AgentState.Busy : AgentState.Idle,
            Draining = session.Draining,
            DrainReason = session.DrainReason,
            Cores = session.Hello.Cores,
            MemoryBytes = session.Hello.MemoryBytes,
            FfmpegVersion = session.Hello.FfmpegVersion,
            Slots = session.Hello.Slots,
            FreeSlots = connected ? (uint)Math.Max(0, session.FreeSlots) : 0,
            ConnectTime = Timestamp.FromDateTimeOffset(session.ConnectTime),
            LastSeenTime = Timestamp.FromDateTimeOffset(session.LastSeen),
            LoadAverage = session.LoadAverage,
            StorageMode = session.Transfers ? StorageMode.Transfer : StorageMode.Shared,
            CachedBlobs = (uint)session.CachedCount,
            AwayReason = connected ? session.AwayReason : "",
            AwayUntilTime = connected ? session.Availability.UntilTime : null,
            PeriodSlots = session.Availability.Slots,
            OperatorSchedule = connected ? session.OperatorSchedule?.Clone() : null,
            OperatorScheduleApplied = connected && session.OperatorSchedule is not null && session.ScheduleApplied,
        };
        info.PausedAttemptIds.AddRange(connected ? session.Availability.PausedAttemptIds : []);
        info.RunningAttemptIds.AddRange(connected ? running : []);
        info.Running.AddRange(connected ? running.Select(id => attempts.GetValueOrDefault(id) ?? new RunningAttempt { AttemptId = id }) : []);
        info.Tags.AddRange(session.Hello.Tags);
        info.Pools.AddRange(session.Hello.Pools);
        info.Encoders.AddRange(session.Hello.Encoders);
        info.Filters.AddRange(session.Hello.Filters);
        info.MediaRoots.AddRange(session.Hello.MediaRoots);
        return info;
    }
}
