using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Chunking;

/// <summary>
/// Cuts a probed input into chunks of about the target length. A constant-rate output is cut on its own frame
/// grid, in whole GOPs, so every chunk starts where a whole-file encode with the same fixed GOP would put a
/// keyframe. When the source timing is kept, cuts fall on source keyframes near the target times (frame-exact
/// cuts on other frames where there is no keyframe nearby). Each chunk decodes from the last source keyframe
/// before it. Returns null when the input should stay one task.
/// </summary>
public static class ChunkPlanner
{
    /// <summary>GOP length in seconds for chunked encodes (capped at a chunk's length).</summary>
    public const double GopSeconds = 2;

    public static IReadOnlyList<ChunkRange>? Plan(ProbeResult probe, TimeSpan target, TimeSpan minInput, int maxChunks)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var duration = probe.DurationSeconds;
        if (target <= TimeSpan.Zero || probe.NotChunkable.Length > 0 || duration < minInput.TotalSeconds || probe.FrameCount < 2) return null;
        var targetSeconds = Math.Max(target.TotalSeconds, duration / Math.Max(2, maxChunks));
        if (duration < 1.5 * targetSeconds) return null;
        var keyframes = probe.Marks.Where(m => m.Keyframe).Select(m => m.TimeSeconds).OrderBy(t => t).ToList();
        var chunks = TryParseRate(probe.OutputFrameRate, out var rate)
            ? OnFrameGrid(duration, rate, targetSeconds, keyframes)
            : AtSourceFrames(probe, targetSeconds, keyframes);
        return chunks.Count < 2 ? null : chunks;
    }

    private static List<ChunkRange> OnFrameGrid(double duration, (long Num, long Den) rate, double target, List<double> keyframes)
    {
        var fps = (double)rate.Num / rate.Den;
        var total = (long)Math.Round(duration * fps);
        var targetFrames = Math.Max(1, (long)Math.Round(target * fps));
        var gop = Math.Max(1, Math.Min((long)Math.Round(GopSeconds * fps), targetFrames));
        var chunkFrames = Math.Max(gop, (long)Math.Round((double)targetFrames / gop) * gop);
        var count = (int)Math.Max(1, total / chunkFrames);
        if (total - count * chunkFrames >= chunkFrames / 2) count++;
        var chunks = new List<ChunkRange>();
        for (var i = 0; i < count; i++)
        {
            var first = i * chunkFrames;
            var last = i == count - 1;
            var frames = last ? total - first : chunkFrames;
            var start = first / fps;
            chunks.Add(new ChunkRange
            {
                Index = (uint)i, Count = (uint)count, FirstFrame = (ulong)first, FrameCount = (ulong)frames, Last = last,
                StartSeconds = start, DurationSeconds = frames / fps, SeekSeconds = first == 0 ? 0 : KeyframeBefore(keyframes, start),
                FrameRate = $"{rate.Num}/{rate.Den}", GopFrames = (uint)gop,
            });
        }

        return chunks;
    }

    private static List<ChunkRange> AtSourceFrames(ProbeResult probe, double target, List<double> keyframes)
    {
        var marks = probe.Marks.OrderBy(m => m.Index).ToList();
        var cuts = new List<FrameMark> { marks[0] };
        var duration = probe.DurationSeconds;
        for (var wanted = target; duration - wanted >= target / 2; wanted = cuts[^1].TimeSeconds + target)
        {
            var after = marks.Where(m => m.Index > cuts[^1].Index && m.TimeSeconds > cuts[^1].TimeSeconds + target / 2 && m.TimeSeconds < duration - target / 2).ToList();
            if (after.Count == 0) break;
            var near = after.Where(m => m.Keyframe && Math.Abs(m.TimeSeconds - wanted) <= target / 4).ToList();
            cuts.Add((near.Count > 0 ? near : after).MinBy(m => Math.Abs(m.TimeSeconds - wanted))!);
        }

        var fps = probe.FrameCount / Math.Max(duration, 0.001);
        var shortest = long.MaxValue;
        for (var i = 0; i < cuts.Count; i++)
        {
            var end = i + 1 < cuts.Count ? (long)cuts[i + 1].Index : (long)probe.FrameCount;
            shortest = Math.Min(shortest, end - (long)cuts[i].Index);
        }

        var gop = (uint)Math.Max(1, Math.Min((long)Math.Round(GopSeconds * fps), shortest));
        var chunks = new List<ChunkRange>();
        for (var i = 0; i < cuts.Count; i++)
        {
            var last = i == cuts.Count - 1;
            var cut = cuts[i];
            var endFrame = last ? probe.FrameCount : cuts[i + 1].Index;
            var endTime = last ? duration : cuts[i + 1].TimeSeconds;
            chunks.Add(new ChunkRange
            {
                Index = (uint)i, Count = (uint)cuts.Count, FirstFrame = cut.Index, FrameCount = endFrame - cut.Index, Last = last,
                StartSeconds = cut.TimeSeconds, DurationSeconds = endTime - cut.TimeSeconds,
                SeekSeconds = cut.Index == 0 ? 0 : KeyframeBefore(keyframes, cut.TimeSeconds), GopFrames = gop,
            });
        }

        return chunks;
    }

    /// <summary>The last keyframe at or before <paramref name="time"/> (0 when there is none).</summary>
    private static double KeyframeBefore(List<double> keyframes, double time)
    {
        var best = 0.0;
        foreach (var k in keyframes)
        {
            if (k > time + 1e-6) break;
            best = k;
        }

        return best;
    }

    private static bool TryParseRate(string text, out (long Num, long Den) rate)
    {
        rate = default;
        var parts = text.Split('/');
        if (parts.Length != 2 || !long.TryParse(parts[0], out var num) || !long.TryParse(parts[1], out var den) || num <= 0 || den <= 0) return false;
        rate = (num, den);
        return true;
    }
}
