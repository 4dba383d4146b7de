using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The farm's truth: jobs, tasks and attempts. Reads stand alone; every change goes through
/// <see cref="InTransactionAsync{T}"/> so one state change is one transaction.
/// </summary>
public interface IJobStore
{
    /// <summary>Creates or migrates the schema.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    Task<JobRecord?> FindJobAsync(string jobId, CancellationToken cancellationToken);

    Task<IReadOnlyList<TaskRecord>> GetTasksAsync(string jobId, CancellationToken cancellationToken);

    Task<IReadOnlyList<AttemptRecord>> GetAttemptsAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>Jobs newest first, optionally only in <paramref name="states"/>, after a (seq) cursor.</summary>
    Task<IReadOnlyList<JobRecord>> ListJobsAsync(IReadOnlyCollection<JobState> states, long? beforeSeq, int limit, CancellationToken cancellationToken);

    /// <summary>QUEUED tasks in dispatch order: priority high to low, then first come first served.</summary>
    Task<IReadOnlyList<TaskRecord>> GetQueuedTasksAsync(int limit, CancellationToken cancellationToken);

    Task<AttemptRecord?> FindAttemptAsync(string attemptId, CancellationToken cancellationToken);

    /// <summary>Attempts whose outcome is still RUNNING (live leases, or leases about to be swept).</summary>
    Task<IReadOnlyList<AttemptRecord>> GetRunningAttemptsAsync(CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<JobState, int>> CountJobsByStateAsync(CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<TaskState, int>> CountTasksByStateAsync(CancellationToken cancellationToken);

    /// <summary>The job whose task has been QUEUED the longest, and since when it was created.</summary>
    Task<(string JobId, DateTimeOffset Since)?> FindOldestQueuedAsync(CancellationToken cancellationToken);

    /// <summary>The highest sequence number handed out so far (0 for an empty store).</summary>
    Task<long> GetMaxSeqAsync(CancellationToken cancellationToken);

    Task<T> InTransactionAsync<T>(Func<IJobTransaction, Task<T>> work, CancellationToken cancellationToken);
}

/// <summary>Reads and writes inside one store transaction.</summary>
public interface IJobTransaction
{
    Task<JobRecord?> FindJobAsync(string jobId);

    Task<IReadOnlyList<TaskRecord>> GetTasksAsync(string jobId);

    Task<TaskRecord?> FindTaskAsync(string taskId);

    Task<AttemptRecord?> FindAttemptAsync(string attemptId);

    Task<IReadOnlyList<AttemptRecord>> GetRunningAttemptsForTaskAsync(string taskId);

    Task InsertJobAsync(JobRecord job);

    Task InsertTaskAsync(TaskRecord task);

    Task InsertAttemptAsync(AttemptRecord attempt);

    Task UpdateJobAsync(JobRecord job);

    Task UpdateTaskAsync(TaskRecord task);

    Task UpdateAttemptAsync(AttemptRecord attempt);
}
