using System.IO.Hashing;

namespace RenderFarm.Protos.Transfer;

/// <summary>
/// The checksum each transfer chunk carries (XXH3, 64-bit): cheap enough to run at disk speed, and enough
/// to notice a chunk damaged on the way. The whole file is still verified by its SHA-256.
/// </summary>
public static class ChunkChecksum
{
    public static ulong Of(ReadOnlySpan<byte> data) => XxHash3.HashToUInt64(data);
}
