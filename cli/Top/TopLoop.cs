using Grpc.Core;
using RenderFarm.Cli.App;
using RenderFarm.Protos.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RenderFarm.Cli.Top;

/// <summary>
/// Runs `farmctl top`: one frame (--once), a live view redrawn in place on a terminal, new frames as text
/// elsewhere, or the events themselves as JSON lines (--json).
/// </summary>
internal static class TopLoop
{
    /// <summary>Shortest time between two redraws of the live view (at most four a second).</summary>
    public static readonly TimeSpan LiveRefresh = TimeSpan.FromMilliseconds(250);

    /// <summary>Shortest time between two frames printed off a terminal.</summary>
    public static readonly TimeSpan TextRefresh = TimeSpan.FromSeconds(1);

    /// <summary>A redraw even without events, so ages and countdowns move.</summary>
    private static readonly TimeSpan ClockRefresh = TimeSpan.FromSeconds(1);

    /// <summary>Prints the first snapshot: as a frame, or with --json as its FarmEvent.</summary>
    public static async Task<int> OnceAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var model = new FarmModel();
        using var call = context.Farm.WatchFarm(new WatchFarmRequest(), cancellationToken: cancellationToken);
        await foreach (var farmEvent in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            model.Apply(farmEvent);
            if (!model.HasSnapshot)
            {
                continue;
            }

            if (context.Json)
            {
                context.JsonOut.Write(farmEvent);
            }
            else
            {
                context.Console.Write(Frame(context, model));
            }

            return ExitCodes.Success;
        }

        await context.Error.WriteLineAsync("error: the coordinator ended the farm stream before sending its snapshot.");
        return ExitCodes.Refused;
    }

    /// <summary>Until Ctrl+C: every applied event as one JSON line; a new snapshot line means "start over".</summary>
    public static Task StreamJsonAsync(CommandContext context, CancellationToken cancellationToken) =>
        new FarmFeed(context.Farm, context.Environment.Time).RunAsync(context.JsonOut.WriteLine, cancellationToken);

    /// <summary>Until Ctrl+C: the live view on a terminal, else a frame as text whenever something changed.</summary>
    public static async Task RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var feed = new FarmFeed(context.Farm, context.Environment.Time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var feeding = feed.RunAsync(null, stop.Token);
        try
        {
            await Task.WhenAny(feed.FirstSnapshot, feeding);
            if (feeding.IsCompleted)
            {
                await feeding;
            }

            if (context.Console.Profile.Capabilities.Interactive)
            {
                await context.Console.Live(feed.Read(model => Frame(context, model)))
                    .AutoClear(false)
                    .Overflow(VerticalOverflow.Ellipsis)
                    .Cropping(VerticalOverflowCropping.Bottom)
                    .StartAsync(live =>
                    {
                        live.Refresh();
                        return Redraw(context, feed, feeding, LiveRefresh, tick: true, frame =>
                        {
                            live.UpdateTarget(frame);
                            live.Refresh();
                        }, stop.Token);
                    });
            }
            else
            {
                context.Console.Write(feed.Read(model => Frame(context, model)));
                await Redraw(context, feed, feeding, TextRefresh, tick: false, frame =>
                {
                    context.Console.WriteLine();
                    context.Console.Write(frame);
                }, stop.Token);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAny(feeding);
        }
    }

    /// <summary>
    /// Shows a new frame at most once per <paramref name="interval"/>, when an event changed the model or,
    /// with <paramref name="tick"/>, each second so ages and countdowns move.
    /// </summary>
    private static async Task Redraw(
        CommandContext context, FarmFeed feed, Task feeding, TimeSpan interval, bool tick, Action<IRenderable> show, CancellationToken cancellationToken)
    {
        var time = context.Environment.Time;
        var drawn = feed.Version;
        var drawnAt = time.GetUtcNow();
        while (true)
        {
            await Task.Delay(interval, time, cancellationToken);
            if (feeding.IsCompleted)
            {
                await feeding;
            }

            var version = feed.Version;
            if (version == drawn && !(tick && time.GetUtcNow() - drawnAt >= ClockRefresh))
            {
                continue;
            }

            show(feed.Read(model => Frame(context, model)));
            drawn = version;
            drawnAt = time.GetUtcNow();
        }
    }

    private static IRenderable Frame(CommandContext context, FarmModel model) =>
        TopView.Render(model, context.Environment.Time.GetUtcNow(), context.Environment.Time.LocalTimeZone);
}
