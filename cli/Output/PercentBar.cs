using Spectre.Console;
using Spectre.Console.Rendering;

namespace RenderFarm.Cli.Output;

/// <summary>A one-line progress bar and its percent, "█████░░░░░  50.0%"; plain ASCII where the console lacks Unicode.</summary>
internal sealed class PercentBar(double percent, int width = 10) : Renderable
{
    private readonly double _percent = Math.Clamp(double.IsFinite(percent) ? percent : 0, 0, 100);

    protected override Measurement Measure(RenderOptions options, int maxWidth)
    {
        var size = Math.Min(width + 1 + Label.Length, maxWidth);
        return new Measurement(size, size);
    }

    protected override IEnumerable<Segment> Render(RenderOptions options, int maxWidth)
    {
        var bar = Math.Clamp(Math.Min(width, maxWidth - Label.Length - 1), 0, width);
        var filled = (int)Math.Round(bar * _percent / 100);
        var (full, empty) = options.Unicode ? ('█', '░') : ('#', '-');
        if (bar > 0)
        {
            yield return new Segment(new string(full, filled), new Style(Color.Green));
            yield return new Segment(new string(empty, bar - filled), new Style(Color.Grey));
            yield return new Segment(" ");
        }

        yield return new Segment(Label);
    }

    private string Label => Format.Percent(_percent).PadLeft(6);
}
