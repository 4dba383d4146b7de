using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using RenderFarm.Protos.Media.Beneath;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>
/// Makes the contact sheet of a longer clip: <see cref="ThumbnailOptions.ContactSheetColumns"/> by
/// <see cref="ThumbnailOptions.ContactSheetRows"/> frames, each <see cref="ThumbnailOptions.ContactSheetTileWidth"/>
/// wide, taken at the middles of equal parts of the clip and laid out in reading order (ffmpeg's <c>tile</c>). One ffmpeg
/// (<see cref="ThumbnailFfmpeg"/>) seeks to each time in the open file (one input per frame, so only a few GOPs are
/// decoded, not the clip) and the grid goes through the same <see cref="DisplayFilters"/> as the poster.
/// </summary>
public sealed class ContactSheet(ThumbnailFfmpeg ffmpeg, IOptions<ThumbnailOptions> options)
{
    /// <summary>The sheet of a clip <paramref name="durationSeconds"/> long whose colour is <paramref name="colour"/>.</summary>
    public Task<ThumbnailImage> MakeAsync(MediaFile file, PictureColour colour, double durationSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(colour);
        var o = options.Value;
        var times = Times(durationSeconds, o.ContactSheetColumns * o.ContactSheetRows);
        var arguments = new List<string>();
        foreach (var time in times) arguments.AddRange(ThumbnailFfmpeg.Input(file, time));
        arguments.AddRange(["-filter_complex", Graph(times.Count, o.ContactSheetColumns, o.ContactSheetRows, o.ContactSheetTileWidth, colour),
            "-map", "[sheet]", "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "4", "-f", "image2pipe", "pipe:1"]);
        return ffmpeg.RunAsync(arguments, cancellationToken);
    }

    /// <summary>The times of the frames: the middles of <paramref name="count"/> equal parts of the clip.</summary>
    public static IReadOnlyList<double> Times(double durationSeconds, int count) =>
        [.. Enumerable.Range(0, count).Select(i => durationSeconds * (i + 0.5) / count)];

    /// <summary>
    /// The filtergraph: each input's first frame resized to the tile width, the frames in a row (<c>concat</c>), laid out
    /// in a grid (<c>tile</c>), then the display chain; the sheet is labelled <c>[sheet]</c>.
    /// </summary>
    public static string Graph(int frames, int columns, int rows, int tileWidth, PictureColour colour)
    {
        ArgumentNullException.ThrowIfNull(colour);
        var graph = new StringBuilder();
        for (var i = 0; i < frames; i++)
        {
            graph.Append(CultureInfo.InvariantCulture, $"[{i}:v:0]trim=end_frame=1,setpts=PTS-STARTPTS,scale=w={tileWidth}:h=-2,setsar=1[f{i}];");
        }

        for (var i = 0; i < frames; i++) graph.Append(CultureInfo.InvariantCulture, $"[f{i}]");
        graph.Append(CultureInfo.InvariantCulture, $"concat=n={frames}:v=1:a=0,tile={columns}x{rows},{DisplayFilters.For(colour.Transfer, colour.Range)}[sheet]");
        return graph.ToString();
    }
}
