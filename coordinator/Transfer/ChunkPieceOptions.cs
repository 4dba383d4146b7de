using System.ComponentModel.DataAnnotations;

namespace RenderFarm.Coordinator.Transfer;

/// <summary>
/// When the coordinator cuts a piece of the input for a chunk task on an agent in transfer mode, instead of sending
/// the whole input; bound from <c>Coordinator:Transfer:Pieces</c>.
/// </summary>
public sealed class ChunkPieceOptions
{
    public const string Section = "Coordinator:Transfer:Pieces";

    /// <summary>Cut pieces at all. Default true; without ffmpeg on the coordinator the whole input travels anyway.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Largest piece worth cutting, as a share of the input's length (from the chunk's seek keyframe to the piece's
    /// end). A bigger piece saves too little to be worth its own download. Default 0.5.
    /// </summary>
    [Range(0.0, 1.0)]
    public double MaxShareOfInput { get; set; } = 0.5;

    /// <summary>The ffmpeg the coordinator cuts with (stream copy only). Default <c>ffmpeg</c> from the PATH.</summary>
    [Required]
    public string Ffmpeg { get; set; } = "ffmpeg";

    /// <summary>The ffprobe that reads the input's container and time base. Default <c>ffprobe</c> from the PATH.</summary>
    [Required]
    public string Ffprobe { get; set; } = "ffprobe";

    /// <summary>Longest an ffmpeg or ffprobe run may take before the whole input is sent instead. Default 2 minutes.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);
}
