using System.ComponentModel.DataAnnotations;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>How the coordinator makes poster frames of succeeded jobs (section <c>Coordinator:Thumbnails</c>).</summary>
public sealed class ThumbnailOptions
{
    public const string Section = "Coordinator:Thumbnails";

    /// <summary>Make thumbnails at all. Default on; off leaves GetThumbnail answering NotFound.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The ffmpeg that reads one frame of the output (run at the lowest CPU priority). Default <c>ffmpeg</c> from the PATH.</summary>
    [Required]
    public string Ffmpeg { get; set; } = "ffmpeg";

    /// <summary>How long one poster frame may take; after that ffmpeg is stopped and the job has no thumbnail. Default 30 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The poster frame's width in pixels (the height keeps the output's aspect ratio). Default 320.</summary>
    [Range(16, 3840)]
    public int Width { get; set; } = 320;
}
