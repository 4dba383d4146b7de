namespace RenderFarm.Agent.Media.Mp4;

/// <summary>One track of a movie box as its muxer wrote it: what it holds and where every sample is.</summary>
public sealed class MovieTrack
{
    /// <summary>The handler: <c>vide</c>, <c>soun</c>, <c>tmcd</c>, ...</summary>
    public string Handler { get; set; } = string.Empty;

    /// <summary>The first sample entry's four-character code (<c>avc1</c>, <c>hvc1</c>, <c>apch</c>, <c>mp4a</c>, ...).</summary>
    public string Format { get; set; } = string.Empty;

    /// <summary>Media timescale (ticks per second, from <c>mdhd</c>).</summary>
    public uint Timescale { get; set; }

    /// <summary>Sum of the decoding time deltas (<c>stts</c>), in <see cref="Timescale"/> ticks.</summary>
    public ulong SampleTicks { get; set; }

    /// <summary>Coded picture size from the visual sample entry.</summary>
    public int Width { get; set; }

    public int Height { get; set; }

    /// <summary>True when the track header's matrix is the identity (no rotation or flip).</summary>
    public bool Upright { get; set; } = true;

    /// <summary>The track header's matrix as written (a, b, u, c, d, v, x, y, w); null when the header is too short.</summary>
    public int[]? Matrix { get; set; }

    /// <summary>The media header's duration (<c>mdhd</c>), in <see cref="Timescale"/> ticks.</summary>
    public ulong MediaDuration { get; set; }

    /// <summary>The decoding time table (<c>stts</c>): runs of samples with the same delta.</summary>
    public (uint Count, uint Delta)[] TimeToSample { get; set; } = [];

    /// <summary>The edit list (<c>elst</c>): duration in movie ticks, media time (-1 for an empty edit), rate in 16.16.</summary>
    public (ulong Duration, long MediaTime, int Rate)[]? Edits { get; set; }

    /// <summary>True when the composition offsets (<c>ctts</c>) hold a negative one (ffmpeg then shifts the decoding times).</summary>
    public bool NegativeCompositionOffsets { get; set; }

    /// <summary>How many <c>colr</c> boxes the sample entry has.</summary>
    public int ColrBoxes { get; set; }


    /// <summary>The decoder configuration box's payload (<c>avcC</c>, <c>hvcC</c>), or null.</summary>
    public byte[]? DecoderConfig { get; set; }

    /// <summary>The <c>esds</c> object type of an <c>mp4a</c> entry (0x40 = MPEG-4 audio), or 0.</summary>
    public byte AudioObjectType { get; set; }

    /// <summary>True when an <c>enda</c> box says the PCM samples are little-endian (QuickTime <c>in24</c>, <c>in32</c>).</summary>
    public bool LittleEndian { get; set; }

    /// <summary>Colour from a <c>colr</c> box (nclx or nclc): primaries, transfer, matrix codes; full range (null for nclc).</summary>
    public (int Primaries, int Transfer, int Matrix, bool? FullRange)? Colr { get; set; }

    /// <summary>Size of every sample, in decoding order (<c>stsz</c>/<c>stz2</c>).</summary>
    public long[] SampleSizes { get; set; } = [];

    /// <summary>File offset of every chunk (<c>stco</c>/<c>co64</c>).</summary>
    public long[] ChunkOffsets { get; set; } = [];

    /// <summary>Samples per chunk (<c>stsc</c>, expanded): one entry per chunk.</summary>
    public int[] ChunkSamples { get; set; } = [];

    /// <summary>Sync samples, 1-based (<c>stss</c>); null when every sample is one.</summary>
    public uint[]? SyncSamples { get; set; }

    public int SampleCount => SampleSizes.Length;
}
