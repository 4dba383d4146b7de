using System.Data.Common;
using RenderFarm.Coordinator.Jobs;
using static RenderFarm.Coordinator.Storage.RowMapper;

namespace RenderFarm.Coordinator.Storage;

/// <summary>The writes of one store transaction, in portable SQL over any ADO.NET connection.</summary>
internal sealed class SqlJobTransaction(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) : IJobTransaction
{
    public async Task<JobRecord?> FindJobAsync(string jobId) =>
        (await connection.QueryAsync(transaction, $"SELECT {JobColumns} FROM rf_jobs WHERE id = @id", ReadJob, cancellationToken, ("@id", jobId))).FirstOrDefault();

    public async Task<IReadOnlyList<TaskRecord>> GetTasksAsync(string jobId) =>
        await connection.QueryAsync(transaction, $"SELECT {TaskColumns} FROM rf_tasks WHERE job_id = @id ORDER BY id", ReadTask, cancellationToken, ("@id", jobId));

    public async Task<TaskRecord?> FindTaskAsync(string taskId) =>
        (await connection.QueryAsync(transaction, $"SELECT {TaskColumns} FROM rf_tasks WHERE id = @id", ReadTask, cancellationToken, ("@id", taskId))).FirstOrDefault();

    public async Task<AttemptRecord?> FindAttemptAsync(string attemptId) =>
        (await connection.QueryAsync(transaction, $"SELECT {AttemptColumns} FROM rf_attempts WHERE id = @id", ReadAttempt, cancellationToken, ("@id", attemptId))).FirstOrDefault();

    public async Task<IReadOnlyList<AttemptRecord>> GetRunningAttemptsForTaskAsync(string taskId) =>
        await connection.QueryAsync(transaction, $"SELECT {AttemptColumns} FROM rf_attempts WHERE task_id = @id AND outcome = @running", ReadAttempt, cancellationToken,
            ("@id", taskId), ("@running", (int)Protos.V1.AttemptOutcome.Running));

    public Task InsertJobAsync(JobRecord job) => connection.ExecuteAsync(transaction,
        $"INSERT INTO rf_jobs ({JobColumns}) VALUES (@id, @seq, @spec, @state, @create, @start, @end, @error, @result)", cancellationToken,
        JobParameters(job));

    public async Task UpdateJobAsync(JobRecord job) => await Single(connection.ExecuteAsync(transaction,
        "UPDATE rf_jobs SET spec = @spec, state = @state, start_time = @start, end_time = @end, error = @error, result = @result WHERE id = @id", cancellationToken,
        JobParameters(job)), "job", job.Id);

    public Task InsertTaskAsync(TaskRecord task) => connection.ExecuteAsync(transaction,
        $"INSERT INTO rf_tasks ({TaskColumns}) VALUES (@id, @job, @state, @priority, @seq, @work, @req, @failed, @lost, @max, @notBefore)", cancellationToken,
        TaskParameters(task));

    public async Task UpdateTaskAsync(TaskRecord task) => await Single(connection.ExecuteAsync(transaction,
        "UPDATE rf_tasks SET state = @state, priority = @priority, work = @work, requirements = @req, failed_attempts = @failed, lost_attempts = @lost, max_retries = @max, not_before = @notBefore WHERE id = @id", cancellationToken,
        TaskParameters(task)), "task", task.Id);

    public Task InsertAttemptAsync(AttemptRecord attempt) => connection.ExecuteAsync(transaction,
        $"INSERT INTO rf_attempts ({AttemptColumns}) VALUES (@id, @task, @job, @agent, @outcome, @start, @lease, @end, @class, @error, @exit, @log)", cancellationToken,
        AttemptParameters(attempt));

    public async Task UpdateAttemptAsync(AttemptRecord attempt) => await Single(connection.ExecuteAsync(transaction,
        "UPDATE rf_attempts SET outcome = @outcome, lease_expiry = @lease, end_time = @end, failure_class = @class, error = @error, exit_code = @exit, log_tail = @log WHERE id = @id", cancellationToken,
        AttemptParameters(attempt)), "attempt", attempt.Id);

    private static async Task Single(Task<int> update, string what, string id)
    {
        if (await update != 1) throw new InvalidOperationException($"The {what} '{id}' to update does not exist.");
    }

    private static (string, object?)[] JobParameters(JobRecord j) =>
    [
        ("@id", j.Id), ("@seq", j.Seq), ("@spec", ToJson(j.Spec)), ("@state", (int)j.State), ("@create", ToMillis(j.CreateTime)),
        ("@start", ToDb(j.StartTime)), ("@end", ToDb(j.EndTime)), ("@error", ToDb(j.Error)), ("@result", j.Result is null ? null : ToJson(j.Result)),
    ];

    private static (string, object?)[] TaskParameters(TaskRecord t) =>
    [
        ("@id", t.Id), ("@job", t.JobId), ("@state", (int)t.State), ("@priority", t.Priority), ("@seq", t.Seq), ("@work", ToJson(t.Work)),
        ("@req", t.Requirements.Serialize()), ("@failed", t.FailedAttempts), ("@lost", t.LostAttempts), ("@max", t.MaxRetries), ("@notBefore", ToDb(t.NotBefore)),
    ];

    private static (string, object?)[] AttemptParameters(AttemptRecord a) =>
    [
        ("@id", a.Id), ("@task", a.TaskId), ("@job", a.JobId), ("@agent", a.AgentId), ("@outcome", (int)a.Outcome), ("@start", ToMillis(a.StartTime)),
        ("@lease", ToMillis(a.LeaseExpiry)), ("@end", ToDb(a.EndTime)), ("@class", (int)a.FailureClass), ("@error", ToDb(a.Error)), ("@exit", a.ExitCode), ("@log", ToDb(a.LogTail)),
    ];
}
