using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Chunking;

/// <summary>
/// Where a piece of the input cut for one chunk must end: at the second source keyframe after the chunk's last
/// frame. Packets before the first one hold every frame shown before it in a closed GOP; going one keyframe further
/// also covers frames of an open GOP that are shown before its keyframe but decoded after it, and the frame after
/// the chunk's end that a rate conversion looks at.
/// </summary>
public static class PieceBounds
{
    public static void Apply(IReadOnlyList<ChunkRange> chunks, ProbeResult probe)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(probe);
        var keyframes = probe.Marks.Where(m => m.Keyframe).Select(m => m.TimeSeconds).Order().ToList();
        foreach (var chunk in chunks)
        {
            if (chunk.Last) continue;
            var end = chunk.StartSeconds + chunk.DurationSeconds;
            var after = keyframes.Where(k => k > end + 1e-6).Take(2).ToList();
            chunk.PieceEndSeconds = after.Count == 2 ? after[1] : 0;
        }
    }
}
