using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Commands.Submit;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl throughput [--minutes 60] [--bucket 1m]`: the farm's finished work over the last hour, bucket by bucket.</summary>
internal static class ThroughputCommand
{
    public static Command Create(CommandRunner runner)
    {
        var minutes = new Option<int>("--minutes", "-m")
        {
            Description = "How far back to look, in minutes (at most 1440).", HelpName = "N", DefaultValueFactory = _ => 60,
        };
        var bucket = new Option<string>("--bucket", "-b")
        {
            Description = $"The width of one bucket, at least 10s ({DurationText.Examples}).", HelpName = "SPAN", DefaultValueFactory = _ => "1m",
        };
        minutes.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 1440) result.AddError("--minutes must be between 1 and 1440 (24 hours).");
        });
        bucket.Validators.Add(result =>
        {
            if (!DurationText.TryParse(result.GetValueOrDefault<string>(), out _))
            {
                result.AddError($"--bucket '{result.GetValueOrDefault<string>()}' is not a duration, e.g. 30s, 1m or 5m.");
            }
        });
        var command = new Command("throughput",
            "Show what the farm finished over the last hour (or --minutes), per bucket: tasks succeeded and failed, jobs done, frames, seconds of video and busy slots, with a sparkline of frames.")
        {
            minutes, bucket,
        };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            DurationText.TryParse(context.Get(bucket), out var width);
            var request = new GetThroughputRequest
            {
                Window = Duration.FromTimeSpan(TimeSpan.FromMinutes(context.Get(minutes))),
                Bucket = Duration.FromTimeSpan(width),
            };
            var series = await context.Farm.GetThroughputAsync(request, cancellationToken: cancellationToken);
            if (context.Json)
            {
                context.JsonOut.Write(series);
            }
            else
            {
                context.Console.Write(ThroughputSeriesView.Render(series, context.Environment.Time));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
