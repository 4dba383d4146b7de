using Grpc.Core;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Connection;
using RenderFarm.Cli.Output;
using RenderFarm.Cli.Watching;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Logs;

/// <summary>
/// `farmctl logs --follow`: prints a task's log as it grows, moves on to the next attempt when the task is
/// retried, and returns once the log is complete and the job has ended, with the job's exit code.
/// Notes for people (which attempt, why it waits) go to stderr so stdout stays ffmpeg's log. Losing the coordinator
/// does not end it (<see cref="Failover"/>): it carries on through the next one from where it was.
/// </summary>
internal sealed class LogFollower
{
    private readonly CommandContext context;
    private readonly Action<GetTaskLogResponse> onPage;
    private readonly Failover _failover;
    private readonly AttemptLog _log;

    public LogFollower(CommandContext context, Action<GetTaskLogResponse> onPage)
    {
        this.context = context;
        this.onPage = onPage;
        _failover = new Failover(context);
        _log = new AttemptLog(context, _failover);
    }

    public async Task<int> FollowAsync(string jobId, string? taskId, string? attemptId, CancellationToken cancellationToken)
    {
        string? followed = null;
        string? lastNote = null;
        while (true)
        {
            Job job;
            try
            {
                job = (await context.Jobs.GetJobAsync(new GetJobRequest { JobId = jobId }, cancellationToken: cancellationToken)).Job;
                _failover.Reached();
            }
            catch (RpcException e)
            {
                if (!await _failover.RetryAsync(e, cancellationToken)) throw;
                continue;
            }

            var task = taskId is not null ? job.Tasks.FirstOrDefault(t => t.Id == taskId)
                : job.Tasks.FirstOrDefault(t => t.Attempts.Any(a => a.Id == attemptId)) ?? job.Tasks.FirstOrDefault();
            if (taskId is not null && task is null)
            {
                await context.Error.WriteLineAsync($"error: job {jobId} has no task {taskId} (it has: {Format.OrNone(string.Join(", ", job.Tasks.Select(t => t.Id)))}).");
                return ExitCodes.Refused;
            }

            if (job.Recurrence is not null && job.Tasks.Count == 0)
            {
                var last = job.Recurrence.LastRunJobId;
                await context.Error.WriteLineAsync(
                    $"error: job {jobId} is a recurring job and renders nothing itself; each run is a job of its own" +
                    (last.Length > 0 ? $" (latest: farmctl logs {last} --follow)." : "."));
                return ExitCodes.Refused;
            }

            var target = attemptId ?? task?.Attempts.LastOrDefault()?.Id;
            if (target is not null && target != followed)
            {
                var agent = task?.Attempts.FirstOrDefault(a => a.Id == target) is { } attempt
                    ? $" on {Format.OrNone(attempt.AgentName.Length > 0 ? attempt.AgentName : attempt.AgentId)}"
                    : "";
                await Note($"--- attempt {target}{agent} ---");
                var request = new GetTaskLogRequest { JobId = jobId, TaskId = task?.Id ?? "", AttemptId = target };
                await _log.ReadAsync(request, follow: true, onPage, cancellationToken);
                followed = target;
                continue;
            }

            if (JobOutcome.IsFinished(job.State))
            {
                if (job.State != JobState.Succeeded)
                {
                    await Note($"job {jobId} {Format.State(job.State)}: {Format.OrNone(job.Error)}");
                }

                return JobOutcome.ExitCode(job.State);
            }

            if (target is null)
            {
                var why = task is null ? null : WaitReasonText.ForJob(job, context.Environment.Time.GetUtcNow(), context.Environment.Time.LocalTimeZone);
                var note = $"job {jobId} has not started yet: {why ?? Format.State(job.State)}";
                if (note != lastNote)
                {
                    await Note(note);
                    lastNote = note;
                }
            }

            await Task.Delay(AttemptLog.PollInterval, context.Environment.Time, cancellationToken);
        }
    }

    private async Task Note(string text)
    {
        if (!context.Json)
        {
            await context.Error.WriteLineAsync(text);
        }
    }
}
