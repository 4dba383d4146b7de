using System.Globalization;
using Microsoft.Extensions.Options;
using RenderFarm.Protos.Media.Beneath;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>
/// Makes one poster frame (JPEG, <see cref="ThumbnailOptions.Width"/> wide) of a picture file: one ffmpeg
/// (<see cref="ThumbnailFfmpeg"/>) reading the open file from a given time, resizing in the file's own YUV, then the
/// <see cref="DisplayFilters"/> (an HLG or PQ picture tone-mapped to BT.709 SDR as the farm's renders are).
/// The output's poster is taken <see cref="Position"/> into the clip; a graded job's source poster at the same time.
/// </summary>
public sealed class PosterFrame(ThumbnailFfmpeg ffmpeg, IOptions<ThumbnailOptions> options)
{
    /// <summary>Where in the clip the poster frame is taken, as a fraction of its duration.</summary>
    public const double Position = 0.1;

    /// <summary>The frame at <paramref name="seconds"/> of a file whose colour is <paramref name="colour"/>.</summary>
    public Task<ThumbnailImage> MakeAsync(MediaFile file, PictureColour colour, double seconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(colour);
        return ffmpeg.RunAsync(
            [.. ThumbnailFfmpeg.Input(file, seconds), "-map", "0:v:0", "-frames:v", "1", "-vf", Filters(colour, options.Value.Width),
                "-c:v", "mjpeg", "-q:v", "4", "-f", "image2pipe", "pipe:1"],
            cancellationToken);
    }

    /// <summary>The frame's filters: resize in the file's own YUV, then the display chain.</summary>
    public static string Filters(PictureColour colour, int width)
    {
        ArgumentNullException.ThrowIfNull(colour);
        return string.Create(CultureInfo.InvariantCulture, $"scale=w={width}:h=-2,{DisplayFilters.For(colour.Transfer, colour.Range)}");
    }
}
