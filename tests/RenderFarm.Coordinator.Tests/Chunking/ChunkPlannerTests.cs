using RenderFarm.Coordinator.Chunking;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Chunking;

public sealed class ChunkPlannerTests
{
    private static ProbeResult Probe(double seconds, double fps, double keyEvery, string outputRate)
    {
        var frames = (int)Math.Round(seconds * fps);
        var probe = new ProbeResult { DurationSeconds = seconds, FrameCount = (ulong)frames, OutputFrameRate = outputRate, HasAudio = true };
        var keyStep = (int)Math.Round(keyEvery * fps);
        for (var i = 0; i < frames; i++)
        {
            var key = i % keyStep == 0;
            if (key || i % (int)fps == 0) probe.Marks.Add(new FrameMark { Index = (ulong)i, TimeSeconds = i / fps, Keyframe = key });
        }

        return probe;
    }

    [Fact]
    public void Plan_ConstantRate_CoversEveryFrameOnceInWholeGops()
    {
        var chunks = ChunkPlanner.Plan(Probe(60, 25, 2, "30000/1001"), TimeSpan.FromSeconds(10), TimeSpan.Zero, 500)!;

        var total = (ulong)Math.Round(60 * 30000 / 1001.0);
        Assert.Equal(6, chunks.Count);
        Assert.Equal(total, chunks.Aggregate(0ul, (sum, c) => sum + c.FrameCount));
        for (var i = 0; i < chunks.Count; i++)
        {
            Assert.Equal(i == 0 ? 0ul : chunks[i - 1].FirstFrame + chunks[i - 1].FrameCount, chunks[i].FirstFrame);
            Assert.Equal(0ul, chunks[i].FirstFrame % chunks[i].GopFrames);
            Assert.True(chunks[i].SeekSeconds <= chunks[i].StartSeconds + 1e-6, $"chunk {i} seeks past its start");
            Assert.True(chunks[i].StartSeconds - chunks[i].SeekSeconds < 2.01, $"chunk {i} decodes more than a source GOP before its start");
            Assert.Equal(i == chunks.Count - 1, chunks[i].Last);
        }
    }

    [Fact]
    public void Plan_KeepTiming_CutsAtSourceKeyframesNearTheTarget()
    {
        var chunks = ChunkPlanner.Plan(Probe(40, 30, 2, ""), TimeSpan.FromSeconds(9), TimeSpan.Zero, 500)!;

        Assert.True(chunks.Count >= 3);
        Assert.All(chunks.Skip(1), c =>
        {
            Assert.Equal(0ul, c.FirstFrame % 60);
            Assert.Equal(c.StartSeconds, c.SeekSeconds, 6);
        });
        Assert.Equal(1200ul, chunks.Aggregate(0ul, (sum, c) => sum + c.FrameCount));
    }

    [Fact]
    public void Plan_ShortInputOrNotChunkable_StaysWhole()
    {
        Assert.Null(ChunkPlanner.Plan(Probe(20, 30, 1, "30/1"), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60), 500));
        Assert.Null(ChunkPlanner.Plan(Probe(12, 30, 1, "30/1"), TimeSpan.FromSeconds(10), TimeSpan.Zero, 500));
        var mxf = Probe(120, 30, 1, "30/1");
        mxf.NotChunkable = "the MXF muxer refuses joined chunks";
        Assert.Null(ChunkPlanner.Plan(mxf, TimeSpan.FromSeconds(10), TimeSpan.Zero, 500));
    }

    [Fact]
    public void Plan_MoreChunksThanAllowed_MakesLongerChunks()
    {
        var chunks = ChunkPlanner.Plan(Probe(600, 30, 1, "30/1"), TimeSpan.FromSeconds(1), TimeSpan.Zero, 20)!;

        Assert.InRange(chunks.Count, 19, 21);
    }
}
