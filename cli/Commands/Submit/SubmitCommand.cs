using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Output;
using RenderFarm.Cli.Watching;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Commands.Submit;

/// <summary>`farmctl submit transcode|grade`: builds a <see cref="SubmitJobRequest"/>, sends it, optionally waits.</summary>
internal static class SubmitCommand
{
    public static Command Create(CommandRunner runner)
    {
        var submit = new Command("submit", "Submit a render job, or many files with a recipe as one batch (--recipe NAME FILE...).");
        submit.Subcommands.Add(Transcode(runner));
        submit.Subcommands.Add(Grade(runner));
        Batches.BatchSubmit.AddTo(submit, runner);
        return submit;
    }

    private static Command Transcode(CommandRunner runner)
    {
        var spec = new JobSpecOptions();
        var command = new Command("transcode", "Render INPUT to OUTPUT with a preset (proxy, mezzanine or delivery).");
        spec.AddTo(command);
        runner.Bind(command, (context, cancellationToken) =>
            SubmitAsync(context, spec, new SubmitJobRequest { Spec = spec.ToSpec(context.ParseResult, context.Environment.CurrentDirectory, context.Environment.Time) }, cancellationToken));
        return command;
    }

    private static Command Grade(CommandRunner runner)
    {
        var spec = new JobSpecOptions();
        var grade = new GradeOptions();
        var command = new Command("grade", "Render INPUT to OUTPUT with a colour grade (LUT, exposure, contrast, saturation, temperature) and a preset.");
        spec.AddTo(command);
        grade.AddTo(command);
        runner.Bind(command, (context, cancellationToken) =>
        {
            var request = new SubmitJobRequest { Spec = spec.ToSpec(context.ParseResult, context.Environment.CurrentDirectory, context.Environment.Time) };
            request.Spec.Grade = grade.ToGrade(context.ParseResult, context.Environment.CurrentDirectory);
            return SubmitAsync(context, spec, request, cancellationToken);
        });
        return command;
    }

    /// <summary>A start time further back than this is a mistake (a date or an offset typed wrong), not a clock a little behind.</summary>
    private static readonly TimeSpan PastStartGrace = TimeSpan.FromMinutes(1);

    private static async Task<int> SubmitAsync(CommandContext context, JobSpecOptions spec, SubmitJobRequest request, CancellationToken cancellationToken)
    {
        var now = context.Environment.Time.GetUtcNow();
        if (request.Spec.StartTime?.ToDateTimeOffset() is { } start && start < now - PastStartGrace)
        {
            await context.Error.WriteLineAsync(
                $"--start-at {Format.Time(request.Spec.StartTime, context.Environment.Time)} is in the past (it is {Format.Time(Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(now), context.Environment.Time)} now): " +
                "leave --start-at out to start at once, or give a later time (e.g. +2h, or a date with its year).");
            return ExitCodes.Usage;
        }

        var job = (await context.Jobs.SubmitJobAsync(request, cancellationToken: cancellationToken)).Job;
        if (context.Get(spec.Wait))
        {
            if (!context.Json)
            {
                context.Console.MarkupLine($"submitted job {Markup.Escape(job.Id)}");
            }

            return await JobWatcher.WatchAsync(context, job.Id, cancellationToken);
        }

        var recurring = job.Recurrence is not null || request.Spec.Cron.Length > 0;
        JobReply.Write(context, job, recurring ? $"submitted recurring job {job.Id}" : $"submitted job {job.Id}");
        if (!context.Json)
        {
            context.Console.WriteLine(recurring
                ? $"next run: {Format.Time(job.Recurrence?.NextRunTime, context.Environment.Time)}; see its runs with: farmctl job {job.Id}"
                : $"follow it with: farmctl watch {job.Id}");
        }

        return ExitCodes.Success;
    }
}
