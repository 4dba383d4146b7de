using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>What the display chain needs of a picture's colour: its transfer and range, as ffmpeg tags them.</summary>
public sealed record PictureColour(string Transfer, string Range)
{
    /// <summary>A verified output's colour (the farm's outputs are limited range).</summary>
    public static PictureColour Of(OutputInfo output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return new PictureColour(output.ColorTransfer, "tv");
    }
}
