using System.Buffers.Binary;

namespace RenderFarm.Agent.Media.Mp4;

/// <summary>
/// The header at the start of every ProRes frame (frame size, <c>icpf</c>, picture size, chroma format, colour, alpha):
/// what ffmpeg's ProRes decoder takes its output format and colour from.
/// </summary>
internal sealed record ProResFrameHeader(int FrameSize, int Width, int Height, int ChromaFormat, int Primaries, int Transfer, int Matrix, int AlphaInfo)
{
    /// <summary>Bytes needed to read the header.</summary>
    public const int Length = 28;

    /// <exception cref="Mp4FormatException">The bytes are not a ProRes frame header.</exception>
    public static ProResFrameHeader Parse(ReadOnlySpan<byte> sample)
    {
        if (sample.Length < Length || !sample.Slice(4, 4).SequenceEqual("icpf"u8)) throw new Mp4FormatException("a ProRes frame does not start with its 'icpf' header");
        var h = sample[8..];
        return new ProResFrameHeader(
            (int)BinaryPrimitives.ReadUInt32BigEndian(sample), BinaryPrimitives.ReadUInt16BigEndian(h[8..]), BinaryPrimitives.ReadUInt16BigEndian(h[10..]),
            h[12] >> 6, h[14], h[15], h[16], h[17] & 0xF);
    }

    /// <summary>ffmpeg's ProRes decoder's output format.</summary>
    public string PixelFormat => (ChromaFormat == 3, AlphaInfo != 0) switch
    {
        (true, true) => "yuva444p10le",
        (true, false) => "yuv444p10le",
        (false, true) => "yuva422p10le",
        _ => "yuv422p10le",
    };

    /// <summary>ffmpeg's profile name for a ProRes sample entry's four-character code.</summary>
    public static string ProfileOf(string fourcc) => fourcc switch
    {
        "apco" => "Proxy", "apcs" => "LT", "apcn" => "Standard", "apch" => "HQ", "ap4h" => "4444", "ap4x" => "XQ", _ => string.Empty,
    };
}
