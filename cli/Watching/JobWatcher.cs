using Grpc.Core;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Connection;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Watching;

/// <summary>
/// Follows WatchJob until the job ends: a live progress bar on a terminal, a line per state change
/// elsewhere, nothing with --json. Prints the result or the error and returns the exit code.
/// </summary>
internal static class JobWatcher
{
    /// <summary>Pause before watching again when a stream ends while the job still runs.</summary>
    private static readonly TimeSpan Rewatch = TimeSpan.FromSeconds(1);

    public static async Task<int> WatchAsync(CommandContext context, string jobId, CancellationToken cancellationToken)
    {
        Job job;
        if (context.Json)
        {
            _ = JsonOutput.PrepareAsync(Job.Descriptor);
            job = await FollowAsync(context, jobId, _ => { }, cancellationToken);
            context.JsonOut.Write(job);
        }
        else
        {
            job = context.Console.Profile.Capabilities.Interactive
                ? await FollowWithProgressBarAsync(context, jobId, cancellationToken)
                : await FollowWithLinesAsync(context, jobId, cancellationToken);
            context.Console.Write(JobResultView.Render(job));
            if (job.State == JobState.Failed)
            {
                await context.Error.WriteLineAsync($"error: job {jobId} failed: {Format.OrNone(job.Error)} (see `farmctl job {jobId}` for attempts and logs)");
            }
        }

        return JobOutcome.ExitCode(job.State);
    }

    private static async Task<Job> FollowWithProgressBarAsync(CommandContext context, string jobId, CancellationToken cancellationToken) =>
        await context.Console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var bar = progress.AddTask(Markup.Escape(jobId), maxValue: 100);
                var job = await FollowAsync(context, jobId, update =>
                {
                    var now = JobProgress.Of(update);
                    bar.Value = now.Percent;
                    bar.Description = Markup.Escape($"{Label(update)} {now.Describe()}");
                }, cancellationToken);
                if (job.State == JobState.Succeeded)
                {
                    bar.Value = 100;
                }

                bar.StopTask();
                return job;
            });

    private static Task<Job> FollowWithLinesAsync(CommandContext context, string jobId, CancellationToken cancellationToken)
    {
        JobState? last = null;
        return FollowAsync(context, jobId, update =>
        {
            if (update.State != last)
            {
                last = update.State;
                var left = Clock.Left(update.TimeLeft) is { } eta ? $" · {eta}" : "";
                context.Console.WriteLine($"{Label(update)} {Format.State(update.State)} {Format.Percent(update.Percent)}{left}");
            }
        }, cancellationToken);
    }

    /// <summary>
    /// Reads WatchJob until the job ends; watches again if a stream closes before that, and (through
    /// <see cref="Failover"/>) if its coordinator goes away: the new stream starts from the job as it is now.
    /// </summary>
    private static async Task<Job> FollowAsync(
        CommandContext context, string jobId, Action<Job> onUpdate, CancellationToken cancellationToken)
    {
        var failover = new Failover(context);
        while (true)
        {
            try
            {
                using (var call = context.Jobs.WatchJob(new WatchJobRequest { JobId = jobId }, cancellationToken: cancellationToken))
                {
                    await foreach (var update in call.ResponseStream.ReadAllAsync(cancellationToken))
                    {
                        failover.Reached();
                        onUpdate(update.Job);
                        if (JobOutcome.IsFinished(update.Job.State))
                        {
                            return update.Job;
                        }
                    }
                }

                var job = (await context.Jobs.GetJobAsync(new GetJobRequest { JobId = jobId }, cancellationToken: cancellationToken)).Job;
                failover.Reached();
                onUpdate(job);
                if (JobOutcome.IsFinished(job.State))
                {
                    return job;
                }
            }
            catch (RpcException e)
            {
                if (!await failover.RetryAsync(e, cancellationToken))
                {
                    throw;
                }

                continue;
            }

            await Task.Delay(Rewatch, context.Environment.Time, cancellationToken);
        }
    }

    private static string Label(Job job) => string.IsNullOrWhiteSpace(job.Spec?.Name) ? job.Id : job.Spec.Name;
}
