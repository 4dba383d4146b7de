using RenderFarm.Protos.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RenderFarm.Cli.Output;

/// <summary>What a finished job produced (output, size, duration, frames, sha256), or why it did not.</summary>
internal static class JobResultView
{
    public static IRenderable Render(Job job)
    {
        var grid = Tables.Properties()
            .Add("job", Format.Escape(job.Id))
            .Add("state", Format.StateMarkup(job.State));
        if (job.State == JobState.Succeeded && job.Result is { } result)
        {
            AddResult(grid, result);
        }
        else if (!string.IsNullOrWhiteSpace(job.Error))
        {
            grid.Add("error", $"[red]{Format.Escape(job.Error)}[/]");
        }

        return grid;
    }

    public static Grid AddResult(Grid grid, OutputInfo result) => grid
        .Add("output", Format.Escape(result.Path))
        .Add("size", $"{Format.Bytes(result.SizeBytes)} ({result.SizeBytes} bytes)")
        .Add("duration", Format.Seconds(result.DurationSeconds))
        .Add("frames", result.FrameCount.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .Add("video", Format.Escape($"{result.VideoCodec} {result.Width}x{result.Height} {result.PixelFormat}"))
        .Add("frame rate", Format.Escape(FrameRate(result)))
        .Add("colour", Format.Escape(Colour(result)))
        .Add("sha256", Format.Escape(result.Sha256));

    private static string FrameRate(OutputInfo result) =>
        result.FrameRate.Length == 0
            ? (result.FrameRateReason.Length > 0 ? result.FrameRateReason : Format.None)
            : result.FrameRateReason.Length > 0 ? $"{result.FrameRate} ({result.FrameRateReason})" : result.FrameRate;

    private static string Colour(OutputInfo result) =>
        string.Join("/", new[] { result.ColorPrimaries, result.ColorTransfer, result.ColorSpace }.Where(t => t.Length > 0)) is { Length: > 0 } tags
            ? tags
            : Format.None;
}
