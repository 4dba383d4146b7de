using System.ComponentModel.DataAnnotations;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>
/// How the coordinator makes thumbnails of succeeded jobs (section <c>Coordinator:Thumbnails</c>): when one is first asked
/// for (GetThumbnail, the dashboard's job view, <c>farmctl thumbnail</c>), and kept for later asks.
/// </summary>
public sealed class ThumbnailOptions
{
    public const string Section = "Coordinator:Thumbnails";

    /// <summary>Make thumbnails at all. Default on; off leaves GetThumbnail answering NotFound (stored ones are not served).</summary>
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
    /// How many jobs' thumbnails are made at once (each job's pictures are one ffmpeg after another). A viewer who asks
    /// for a job's poster while this many are being made waits for a turn. Default 2.
    /// </summary>
    [Range(1, 16)]
    public int MaxConcurrent { get; set; } = 2;

    /// <summary>
    /// After a job's thumbnail could not be made (its output moved, changed or unreadable), asking again answers with the
    /// same reason instead of trying again, until the job ends anew or this long has passed. Default 5 minutes.
    /// </summary>
    public TimeSpan FailureRetryAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Also make each job's thumbnails right after it succeeds instead of only when first asked for (a studio whose
    /// editors look at every output). Default off: thumbnails are made on demand, and a batch of outputs nobody opens
    /// costs no ffmpeg on the coordinator.
    /// </summary>
    public bool MakeAfterEachJob { get; set; }
}
