using Google.Protobuf.WellKnownTypes;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>Assembles the <see cref="Job"/> people see: stored state, tasks, attempts and live progress.</summary>
public sealed class JobView(IJobStore store, LiveProgress progress, IWaitExplainer waits, TimeLeft timeLeft)
{
    public async Task<Job> BuildAsync(JobRecord record, CancellationToken cancellationToken)
    {
        // One snapshot: the job, its tasks and their attempts as of the same commit, so states never disagree.
        var (stored, tasks, attempts) = await store.ReadJobAsync(record.Id, cancellationToken);
        var job = await BuildAsync(stored ?? record, tasks, attempts, await PausesAsync([stored ?? record], cancellationToken), cancellationToken);
        job.FeedsJobIds.AddRange(await FeedsAsync(record.Id, cancellationToken));
        return job;
    }

    /// <summary>The job as <see cref="BuildAsync(JobRecord, CancellationToken)"/> shows it, read once by id; null when it does not exist.</summary>
    public async Task<(Job Job, JobRecord Record)?> FindAsync(string jobId, CancellationToken cancellationToken)
    {
        var (stored, tasks, attempts) = await store.ReadJobAsync(jobId, cancellationToken);
        if (stored is null) return null;
        var job = await BuildAsync(stored, tasks, attempts, await PausesAsync([stored], cancellationToken), cancellationToken);
        job.FeedsJobIds.AddRange(await FeedsAsync(jobId, cancellationToken));
        return (job, stored);
    }

    /// <summary>Chains: the jobs that take their input from <paramref name="jobId"/>'s output, oldest first (two indexed reads).</summary>
    private async Task<IReadOnlyList<string>> FeedsAsync(string jobId, CancellationToken cancellationToken)
    {
        var dependents = await store.GetDependentJobIdsAsync(jobId, cancellationToken);
        if (dependents.Count == 0) return [];
        var jobs = await store.FindJobsAsync(dependents, cancellationToken);
        return jobs.Where(j => string.Equals(j.Spec.InputFromJob, jobId, StringComparison.Ordinal)).OrderBy(j => j.Seq).Select(j => j.Id).ToList();
    }

    /// <summary>
    /// The jobs of <paramref name="jobIds"/> that exist, each as <see cref="FindAsync"/> shows it, all from one snapshot read
    /// (watchers load every job that changed: a busy farm changes hundreds a second).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, (Job Job, JobRecord Record)>> FindManyAsync(IReadOnlyList<string> jobIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, (Job Job, JobRecord Record)>(StringComparer.Ordinal);
        var snapshots = await store.ReadJobsAsync(jobIds, cancellationToken);
        var pauses = await PausesAsync(snapshots.Select(s => s.Job).ToList(), cancellationToken);
        foreach (var snapshot in snapshots)
        {
            found[snapshot.Job.Id] = (await BuildAsync(snapshot.Job, snapshot.Tasks, snapshot.Attempts, pauses, cancellationToken), snapshot.Job);
        }

        return found;
    }

    /// <summary>The jobs without tasks and attempts (for lists), each with its pause where it is paused (one read for them all).</summary>
    public async Task<IReadOnlyList<Job>> SummariesAsync(IReadOnlyList<JobRecord> records, CancellationToken cancellationToken)
    {
        var pauses = await PausesAsync(records, cancellationToken);
        return records.Select(r =>
        {
            var job = Summary(r);
            job.Pause = pauses.GetValueOrDefault(r.Id);
            return job;
        }).ToList();
    }

    /// <summary>The pauses of those jobs that have not ended and are paused (ended jobs are never read for one).</summary>
    private Task<IReadOnlyDictionary<string, JobPause>> PausesAsync(IReadOnlyList<JobRecord> records, CancellationToken cancellationToken) =>
        store.FindJobPausesAsync(records.Where(r => !JobStateRollup.IsTerminal(r.State)).Select(r => r.Id).ToList(), cancellationToken);

    private async Task<Job> BuildAsync(JobRecord record, IReadOnlyList<TaskRecord> tasks, IReadOnlyList<AttemptRecord> attempts,
        IReadOnlyDictionary<string, JobPause> pauses, CancellationToken cancellationToken)
    {
        var job = Summary(record);
        if (!JobStateRollup.IsTerminal(record.State)) job.Pause = pauses.GetValueOrDefault(record.Id);
        var pending = tasks.Any(t => t.WaitingFor == TaskWait.Dependency) ? await PendingDependenciesAsync(record, cancellationToken) : [];
        var parts = new List<TimeLeft.Part>(tasks.Count);
        foreach (var task in tasks.OrderBy(t => KindOrder(t.Kind)).ThenBy(t => t.Work.Chunk?.Index ?? 0))
        {
            var view = new RenderTask
            {
                Id = task.Id,
                State = task.State,
                FailedAttempts = (uint)task.FailedAttempts,
                NotBeforeTime = Time(task.NotBefore),
                Kind = task.Kind,
                Chunk = task.Work.Chunk,
                WeightFrames = task.Work.Chunk?.FrameCount ?? 0,
            };
            if (task.State == TaskState.Succeeded) view.Percent = 100;
            else if (task.State == TaskState.Running && progress.Get(task.Id) is { } live)
            {
                view.Percent = live.Percent;
                view.Fps = live.Fps;
                view.Speed = live.Speed;
                var started = attempts.Where(a => a.TaskId == task.Id && a.Outcome == AttemptOutcome.Running).Select(a => (DateTimeOffset?)a.StartTime).Max();
                view.TimeLeft = Span(timeLeft.ForTask(live, view.WeightFrames, started));
            }

            parts.Add(new TimeLeft.Part(task.State, view.Percent, view.Fps, view.WeightFrames, view.TimeLeft?.ToTimeSpan()));

            view.WaitReason = job.Pause is { } pause && task.State is TaskState.Queued or TaskState.Waiting
                ? Paused(record.Id, pause)
                : await waits.ExplainAsync(task, pending, cancellationToken);
            view.Attempts.AddRange(attempts.Where(a => a.TaskId == task.Id).Select(ToProto));
            job.Tasks.Add(view);
        }

        job.Percent = Percent(job);
        job.InputCheck = tasks.Select(t => t.Work.InputCheck).FirstOrDefault(c => c is not null);
        if (job.State == JobState.Running) job.TimeLeft = Span(TimeLeft.ForJob(parts));
        return job;
    }

    /// <summary>
    /// A chunked job's progress is its chunks' progress weighed by their frames (held below 100 until the stitch
    /// publishes); any other job's is the mean of its tasks.
    /// </summary>
    private static double Percent(Job job)
    {
        if (job.State == JobState.Succeeded) return 100;
        var weighed = job.Tasks.Where(t => t.WeightFrames > 0).ToList();
        if (weighed.Count == 0) return job.Tasks.Count == 0 ? 0 : job.Tasks.Average(t => t.Percent);
        var total = weighed.Sum(t => (double)t.WeightFrames);
        return Math.Min(99.9, weighed.Sum(t => t.Percent * t.WeightFrames) / total);
    }

    private static int KindOrder(TaskKind kind) => kind switch
    {
        TaskKind.Probe => 0,
        TaskKind.Render => 1,
        TaskKind.Chunk => 2,
        TaskKind.Audio => 3,
        _ => 4,
    };

    private async Task<IReadOnlyList<string>> PendingDependenciesAsync(JobRecord record, CancellationToken cancellationToken)
    {
        var pending = new List<string>();
        foreach (var id in JobChains.Prerequisites(record.Spec))
        {
            if ((await store.FindJobAsync(id, cancellationToken))?.State != JobState.Succeeded) pending.Add(id);
        }

        return pending;
    }

    /// <summary>Job control: a paused job's tasks wait for it to be resumed, whatever else they wait for.</summary>
    private static WaitReason Paused(string jobId, JobPause pause) => new()
    {
        Kind = WaitReason.Types.Kind.Paused,
        Message = $"paused by {pause.PausedBy} at {pause.PauseTime.ToDateTimeOffset():yyyy-MM-dd HH:mm:ss}Z"
            + (pause.Reason.Length > 0 ? $": {pause.Reason}" : "") + $"; resume it with farmctl job resume {jobId}",
    };

    /// <summary>The job without tasks and attempts (for lists).</summary>
    public static Job Summary(JobRecord record)
    {
        var job = new Job
        {
            Id = record.Id,
            Spec = record.Spec,
            State = record.State,
            CreateTime = Timestamp.FromDateTimeOffset(record.CreateTime),
            StartTime = Time(record.StartTime),
            EndTime = Time(record.EndTime),
            Error = record.Error ?? "",
            Result = record.Result,
            Percent = record.State == JobState.Succeeded ? 100 : 0,
            Recurrence = record.Recurrence,
            RecurringJobId = record.RecurringJobId ?? "",
        };
        return job;
    }

    private static Attempt ToProto(AttemptRecord a) => new()
    {
        Id = a.Id,
        AgentId = a.AgentId,
        AgentName = a.AgentId,
        StartTime = Timestamp.FromDateTimeOffset(a.StartTime),
        EndTime = Time(a.EndTime),
        Outcome = a.Outcome,
        FailureClass = a.FailureClass,
        Error = a.Error ?? "",
        ExitCode = a.ExitCode,
        LogTail = a.LogTail ?? "",
        LeaseExpireTime = a.Outcome == AttemptOutcome.Running ? Timestamp.FromDateTimeOffset(a.LeaseExpiry) : null,
        LogSizeBytes = (ulong)a.LogSize,
        Timeline = a.Timeline,
    };

    private static Duration? Span(TimeSpan? span) => span is { } s ? Duration.FromTimeSpan(s) : null;

    private static Timestamp? Time(DateTimeOffset? time) => time is { } t ? Timestamp.FromDateTimeOffset(t) : null;
}
