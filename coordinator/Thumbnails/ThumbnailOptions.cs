using System.ComponentModel.DataAnnotations;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>How the coordinator makes thumbnails of succeeded jobs (section <c>Coordinator:Thumbnails</c>).</summary>
public sealed class ThumbnailOptions
{
    public const string Section = "Coordinator:Thumbnails";

    /// <summary>Make thumbnails at all. Default on; off leaves GetThumbnail answering NotFound.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The ffmpeg that makes the pictures (run at the lowest CPU priority). Default <c>ffmpeg</c> from the PATH.</summary>
    [Required]
    public string Ffmpeg { get; set; } = "ffmpeg";

    /// <summary>The ffprobe that reads a graded job's source colour tags. Default <c>ffprobe</c> from the PATH.</summary>
    [Required]
    public string Ffprobe { get; set; } = "ffprobe";

    /// <summary>How long one picture may take; after that ffmpeg is stopped and the job has no such thumbnail. Default 30 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The poster frame's width in pixels (the height keeps the output's aspect ratio). Default 320.</summary>
    [Range(16, 3840)]
    public int Width { get; set; } = 320;

    /// <summary>Outputs at least this long also get a contact sheet. Default 20 s.</summary>
    public TimeSpan ContactSheetMinDuration { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Frames across the contact sheet. Default 3.</summary>
    [Range(1, 10)]
    public int ContactSheetColumns { get; set; } = 3;

    /// <summary>Rows of frames on the contact sheet. Default 2.</summary>
    [Range(1, 10)]
    public int ContactSheetRows { get; set; } = 2;

    /// <summary>The width of each frame on the contact sheet in pixels. Default 160.</summary>
    [Range(16, 1920)]
    public int ContactSheetTileWidth { get; set; } = 160;

    /// <summary>
    /// At start, succeeded jobs that ended within this span and have no poster (the coordinator stopped before it was
    /// made) get their thumbnails in the background, most recent first. Default 7 days; zero turns the catch-up off.
    /// </summary>
    public TimeSpan CatchUpWithin { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How many jobs the catch-up reads at a time; it makes their thumbnails one after another. Default 4.</summary>
    [Range(1, 100)]
    public int CatchUpBatch { get; set; } = 4;
}
