using RenderFarm.Agent.Execution;

namespace RenderFarm.Agent.Tests.Execution;

public sealed class FfmpegLogTests
{
    [Fact]
    public void Add_StatsLine_ReadsFrameFpsSpeed()
    {
        var log = new FfmpegLog(40);

        var isStats = log.Add("frame=  120 fps= 59.5 q=28.0 size=     256kB time=00:00:04.00 bitrate= 524.3kbits/s speed=1.98x    ");

        Assert.True(isStats);
        Assert.Equal(120, log.Frames);
        Assert.Equal(59.5, log.Fps);
        Assert.Equal(1.98, log.Speed);
    }

    [Fact]
    public void Tail_ManyLines_KeepsTheLastOnesAndTheLastStats()
    {
        var log = new FfmpegLog(3);
        for (var i = 0; i < 10; i++)
        {
            log.Add($"line {i}");
        }

        log.Add("frame=    5 fps=0.0 q=0.0 size=       0kB time=00:00:00.00 bitrate=N/A speed=   0x");

        Assert.Equal("line 7\nline 8\nline 9\nframe=    5 fps=0.0 q=0.0 size=       0kB time=00:00:00.00 bitrate=N/A speed=   0x", log.Tail);
    }
}
