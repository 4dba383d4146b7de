using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The farm's truth: jobs, tasks, attempts, their logs, dependencies and drained agents. Reads stand alone;
/// every change goes through <see cref="InTransactionAsync{T}"/>, so one state change is all or nothing.
/// Work that several callers queue at the same moment may share one transaction and one commit (group
/// commit); each caller still gets its own result or exception, after the commit.
/// </summary>
public interface IJobStore
{
    /// <summary>Raised after each committed transaction, outside it, with what changed.</summary>
    event Action<StoreCommit>? Committed;

    /// <summary>Creates or migrates the schema.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    Task<JobRecord?> FindJobAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>The jobs of <paramref name="jobIds"/> that exist, in one read (in no particular order).</summary>
    Task<IReadOnlyList<JobRecord>> FindJobsAsync(IReadOnlyList<string> jobIds, CancellationToken cancellationToken);

    Task<IReadOnlyList<TaskRecord>> GetTasksAsync(string jobId, CancellationToken cancellationToken);

    Task<IReadOnlyList<AttemptRecord>> GetAttemptsAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>A job, its tasks and their attempts as of one commit (a read-only snapshot transaction); a null job when it does not exist.</summary>
    Task<(JobRecord? Job, IReadOnlyList<TaskRecord> Tasks, IReadOnlyList<AttemptRecord> Attempts)> ReadJobAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>
    /// The jobs of <paramref name="jobIds"/> that exist, each with its tasks and their attempts, all as of one commit and in
    /// three queries whatever their number (watchers load every job that changed; one read each was three queries a job).
    /// In no particular order.
    /// </summary>
    Task<IReadOnlyList<JobSnapshot>> ReadJobsAsync(IReadOnlyList<string> jobIds, CancellationToken cancellationToken);

    /// <summary>WAITING tasks that wait for a time (start time or backoff) and recurring jobs that still run.</summary>
    Task<(IReadOnlyList<TaskRecord> TimedTasks, IReadOnlyList<JobRecord> RecurringJobs)> GetTimedWorkAsync(CancellationToken cancellationToken);

    /// <summary>WAITING tasks of chained jobs whose input (another job's output) is to be checked before they are queued.</summary>
    Task<IReadOnlyList<TaskRecord>> GetTasksWaitingForInputAsync(CancellationToken cancellationToken);

    /// <summary>Jobs newest first, optionally only in <paramref name="states"/>, after a (seq) cursor.</summary>
    Task<IReadOnlyList<JobRecord>> ListJobsAsync(IReadOnlyCollection<JobState> states, long? beforeSeq, int limit, CancellationToken cancellationToken) =>
        ListJobsAsync(new JobListFilter(states), beforeSeq, limit, cancellationToken);

    /// <summary>Jobs newest first that <paramref name="filter"/> lets through (state, owner, name, batch), after a (seq) cursor.</summary>
    Task<IReadOnlyList<JobRecord>> ListJobsAsync(JobListFilter filter, long? beforeSeq, int limit, CancellationToken cancellationToken);

    /// <summary>The jobs that declared a dependency on <paramref name="jobId"/> (a chained job's parent is one), by id.</summary>
    Task<IReadOnlyList<string>> GetDependentJobIdsAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>QUEUED tasks in dispatch order: priority high to low, then first come first served.</summary>
    Task<IReadOnlyList<TaskRecord>> GetQueuedTasksAsync(int limit, CancellationToken cancellationToken);

    Task<AttemptRecord?> FindAttemptAsync(string attemptId, CancellationToken cancellationToken);

    /// <summary>The publish grant last recorded for a task, or null (see <see cref="PublishRecord"/>).</summary>
    Task<PublishRecord?> FindPublishGrantAsync(string taskId, CancellationToken cancellationToken);

    /// <summary>Attempts whose outcome is still RUNNING (live leases, or leases about to be swept).</summary>
    Task<IReadOnlyList<AttemptRecord>> GetRunningAttemptsAsync(CancellationToken cancellationToken);

    /// <summary>Running attempts with their job, agent and limit group, for the routing rules (docs/routing.md).</summary>
    Task<IReadOnlyList<RunningRoute>> GetRunningRoutesAsync(CancellationToken cancellationToken);

    /// <summary>Running attempts with their task's maximum run time and stall timeout.</summary>
    Task<IReadOnlyList<(AttemptRecord Attempt, TaskLimits Limits)>> GetRunningAttemptLimitsAsync(CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<JobState, int>> CountJobsByStateAsync(CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<TaskState, int>> CountTasksByStateAsync(CancellationToken cancellationToken);

    /// <summary>The job whose task has been QUEUED the longest, and since when it was created.</summary>
    Task<(string JobId, DateTimeOffset Since)?> FindOldestQueuedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// For each time of <paramref name="since"/>, the attempts that ended since then: how many succeeded and failed, and the
    /// frames the successes rendered (one scan of the widest window).
    /// </summary>
    Task<IReadOnlyList<(int Succeeded, int Failed, long Frames)>> GetFinishedSinceAsync(IReadOnlyList<DateTimeOffset> since, CancellationToken cancellationToken);

    /// <summary>
    /// Throughput: per bucket of <paramref name="window"/>, the attempts and jobs that ended in it, and the sums of start and
    /// end times that make its busy slots (<see cref="History.ThroughputBuckets"/>); read from the window's rows only.
    /// </summary>
    Task<History.ThroughputRows> GetThroughputAsync(History.ThroughputWindow window, CancellationToken cancellationToken);

    /// <summary>
    /// What queue statistics show, read on one connection: jobs and tasks by state (exact at the last commit, from
    /// counters the database keeps) and the oldest QUEUED task's job.
    /// </summary>
    Task<QueueCounts> GetQueueCountsAsync(CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="maxBytes"/> bytes of an attempt's ffmpeg log from byte <paramref name="from"/>.</summary>
    Task<byte[]> ReadLogAsync(string attemptId, long from, int maxBytes, CancellationToken cancellationToken);

    /// <summary>Job control: the pauses of those of <paramref name="jobIds"/> that are paused, by job id.</summary>
    Task<IReadOnlyDictionary<string, JobPause>> FindJobPausesAsync(IReadOnlyList<string> jobIds, CancellationToken cancellationToken);

    /// <summary>Agents an operator drained, with the reason given.</summary>
    Task<IReadOnlyDictionary<string, string>> GetDrainedAgentsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Housekeeping: gives the database's free pages back to the file system where the store does that itself (SQLite's
    /// incremental vacuum; PostgreSQL's autovacuum needs nothing). Returns the bytes given back (0 when none, or not known).
    /// </summary>
    Task<long> ReclaimFreeSpaceAsync(CancellationToken cancellationToken);

    /// <summary>The highest sequence number handed out so far (0 for an empty store).</summary>
    Task<long> GetMaxSeqAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction and answers once it has committed. The work may run more
    /// than once (a group re-run after another caller's error, or a deadlock on PostgreSQL), so it decides only
    /// from what it reads through the transaction. It must not call back into the store's transactions.
    /// <paramref name="cancellationToken"/> only withdraws work that has not started; once it has run, the caller
    /// waits for the commit.
    /// </summary>
    Task<T> InTransactionAsync<T>(Func<IJobTransaction, Task<T>> work, CancellationToken cancellationToken);
}

/// <summary>Reads and writes inside one store transaction.</summary>
public interface IJobTransaction
{
    Task<JobRecord?> FindJobAsync(string jobId);

    Task<IReadOnlyList<TaskRecord>> GetTasksAsync(string jobId);

    Task<TaskRecord?> FindTaskAsync(string taskId);

    /// <summary>The job (as <see cref="FindJobAsync"/>) and its tasks, read together (one round trip where the database allows).</summary>
    Task<(JobRecord? Job, IReadOnlyList<TaskRecord> Tasks)> FindJobWithTasksAsync(string jobId);

    /// <summary>
    /// The jobs of <paramref name="jobIds"/> that exist, locked as <see cref="FindJobAsync"/> would (in id order), each with its
    /// tasks by id: two statements in one round trip whatever their number (a dispatch pass rolls up every job it claimed from).
    /// </summary>
    Task<IReadOnlyList<(JobRecord Job, IReadOnlyList<TaskRecord> Tasks)>> FindJobsWithTasksAsync(IReadOnlyList<string> jobIds);

    /// <summary>
    /// Of <paramref name="taskIds"/>, the tasks still QUEUED that no other coordinator is claiming (PostgreSQL:
    /// <c>FOR UPDATE SKIP LOCKED</c>), read in one statement; their rows stay locked until this transaction ends.
    /// </summary>
    Task<IReadOnlyList<TaskRecord>> ClaimQueuedTasksAsync(IReadOnlyList<string> taskIds);

    Task<AttemptRecord?> FindAttemptAsync(string attemptId);

    /// <summary>An attempt and its task, both locked as <see cref="FindAttemptAsync"/> and <see cref="FindTaskAsync"/> would, read in one statement; (null, null) when the attempt does not exist.</summary>
    Task<(AttemptRecord? Attempt, TaskRecord? Task)> FindAttemptWithTaskAsync(string attemptId);

    /// <summary>
    /// The attempts of <paramref name="attemptIds"/> that exist, by id, each with its task, locked as <see cref="FindAttemptWithTaskAsync"/>
    /// would (in attempt id order): one statement whatever their number (agents' completions are committed together).
    /// </summary>
    Task<IReadOnlyDictionary<string, (AttemptRecord Attempt, TaskRecord Task)>> FindAttemptsWithTasksAsync(IReadOnlyList<string> attemptIds);

    Task<IReadOnlyList<AttemptRecord>> GetTaskAttemptsAsync(string taskId);

    /// <summary>The publish grant last recorded for a task (locked as <see cref="FindTaskAsync"/> would), or null.</summary>
    Task<PublishRecord?> FindPublishGrantAsync(string taskId);

    /// <summary>Records a publish grant; it replaces the task's earlier one.</summary>
    Task RecordPublishGrantAsync(PublishRecord grant);

    /// <summary>Forgets the publish grants of <paramref name="taskIds"/> (chunks rendered again: their old output is not theirs any more).</summary>
    Task DeletePublishGrantsAsync(IReadOnlyList<string> taskIds);

    /// <summary>Forgets the publish grants of tasks that have ended (succeeded, failed or canceled); returns how many.</summary>
    Task<int> DeleteSettledPublishGrantsAsync();

    Task<IReadOnlyList<AttemptRecord>> GetRunningAttemptsForTaskAsync(string taskId);

    /// <summary>
    /// Running attempts as the routing rules count them, read after taking a lock named by each of <paramref name="lockKeys"/>
    /// until this transaction ends (PostgreSQL: advisory locks; SQLite has one writer), so two coordinators cannot both see
    /// the last free place of a limit group.
    /// </summary>
    Task<IReadOnlyList<RunningRoute>> GetRunningRoutesAsync(IReadOnlyList<string> lockKeys);
    /// Housekeeping: removes up to <paramref name="limit"/> jobs that ended before <paramref name="endedBefore"/>, oldest first,
    /// with their tasks, attempts, logs and publish grants (a job that a job not yet ended depends on stays). Returns how many
    /// jobs and attempts went.
    /// </summary>
    Task<(int Jobs, int Attempts)> DeleteEndedJobsAsync(DateTimeOffset endedBefore, int limit);

    /// <summary>
    /// Housekeeping: removes the presence rows (several coordinators) of agents not connected: <paramref name="agentId"/>'s,
    /// or, when it is null, every one not updated since <paramref name="disconnectedBefore"/>. Returns the agent ids removed.
    /// </summary>
    Task<IReadOnlyList<string>> ForgetDisconnectedAgentsAsync(string? agentId, DateTimeOffset disconnectedBefore);

    /// <summary>For each of <paramref name="jobIds"/> that has any, the jobs that declared a dependency on it, by id, in one statement.</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> GetDependentJobIdsAsync(IReadOnlyList<string> jobIds);

    Task InsertJobAsync(JobRecord job);

    Task InsertTaskAsync(TaskRecord task);

    Task InsertAttemptAsync(AttemptRecord attempt);

    Task InsertDependenciesAsync(string jobId, IEnumerable<string> dependsOn);

    Task UpdateJobAsync(JobRecord job);

    Task UpdateTaskAsync(TaskRecord task);

    Task UpdateAttemptAsync(AttemptRecord attempt);

    /// <summary>Stores a piece of an attempt's log at its byte offset and returns the log's new size.</summary>
    Task<long> AppendLogAsync(AttemptRecord attempt, long offset, byte[] text, long maxBytes);

    Task SetAgentDrainAsync(string agentId, bool draining, string reason, DateTimeOffset now);

    /// <summary>Job control: pauses the job (replacing an earlier pause), or resumes it when <paramref name="pause"/> is null.</summary>
    Task SetJobPauseAsync(string jobId, JobPause? pause);

    /// <summary>Moves an attempt's lease expiry; no one is told (a renewal is not a change people see).</summary>
    Task RenewLeaseAsync(string attemptId, DateTimeOffset until);

    /// <summary>Every RUNNING attempt's lease runs until at least <paramref name="until"/>.</summary>
    Task<int> ExtendRunningLeasesAsync(DateTimeOffset until);

    /// <summary>
    /// Holds a write to a table beside the job model (a batch and its jobs), sent with the transaction's next batch of
    /// writes, so it commits or rolls back with the jobs it belongs to.
    /// </summary>
    Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters);

    /// <summary>
    /// As <see cref="ExecuteAsync"/>, for an update that must change exactly one row (<paramref name="row"/> names it):
    /// otherwise the work fails with <see cref="InvalidOperationException"/> and nothing of it is committed.
    /// </summary>
    Task ExecuteOneAsync(string row, string sql, params (string Name, object? Value)[] parameters);
}

/// <summary>
/// What one committed transaction changed: the jobs touched, and whether a task became QUEUED. <c>EndedJobs</c>, the
/// jobs it moved to an end state, is known for this coordinator's own commits and null for another's.
/// </summary>
public sealed record StoreCommit(IReadOnlyCollection<string> ChangedJobs, bool TasksQueued, IReadOnlyCollection<string>? EndedJobs = null);

/// <summary>Queue statistics as stored: see <see cref="IJobStore.GetQueueCountsAsync"/>.</summary>
public sealed record QueueCounts(
    IReadOnlyDictionary<JobState, int> Jobs,
    IReadOnlyDictionary<TaskState, int> Tasks,
    (string JobId, DateTimeOffset Since)? OldestQueued);
