using System.Diagnostics;
using Grpc.Core;
using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>
/// The coordinator is killed (kill -9) after the commit that ended a job and before its thumbnail was made; the next
/// start makes it in the background.
/// </summary>
public sealed class ThumbnailCatchUpRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillCoordinator_BetweenCompletionAndThumbnail_RestartMakesItInTheBackground()
    {
        // The coordinator's thumbnail ffmpeg: until RELEASE exists it says it started and hangs (the window stays open),
        // afterwards it is the real ffmpeg.
        using var folder = new TempDir();
        var started = Path.Combine(folder.Path, "STARTED");
        var release = Path.Combine(folder.Path, "RELEASE");
        var script = Path.Combine(folder.Path, "thumbnail-ffmpeg");
        File.WriteAllText(script, $"#!/bin/sh\n[ -e '{release}' ] && exec ffmpeg \"$@\"\necho $$ >> '{started}'\nexec sleep 300\n");
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("the stand-in ffmpeg is a POSIX shell script");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var settings = CoordinatorSettings.Fast with { ExtraArguments = [$"--Coordinator:Thumbnails:Ffmpeg={script}"] };

        await FaultFarm.RunAsync(output, settings, async farm =>
        {
            await farm.StartAgentsAsync(new AgentSettings("thumb-a"));
            var input = await FaultClips.CopyToAsync(TestClips.SdrAsync(), farm.Media("in/short.mp4"));
            var job = await farm.SubmitAsync(Specs.Proxy("poster after a crash", input, farm.Media("out/short.mp4")));
            var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(90));
            Assert.Equal(JobState.Succeeded, done.State);

            // The window: the completion is committed and the thumbnail is being made when the coordinator dies.
            await Eventually.UntilAsync(() => File.Exists(started), TimeSpan.FromSeconds(30), "the thumbnail's ffmpeg to start");
            await AssertNoThumbnailAsync(farm, job.Id);
            farm.Coordinator.Kill();
            foreach (var pid in File.ReadAllLines(started)) KillStandIn(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture));
            farm.Note("killed the coordinator while it made the thumbnail");

            File.WriteAllText(release, "");
            var ready = await farm.Coordinator.StartAsync(farm.Channel);
            var sinceStart = Stopwatch.StartNew();
            var poster = await Eventually.WaitAsync<GetThumbnailResponse>(async () =>
            {
                try
                {
                    return await farm.Jobs.GetThumbnailAsync(new GetThumbnailRequest { JobId = job.Id });
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
                {
                    return null;
                }
            }, TimeSpan.FromSeconds(90), "the catch-up to make the thumbnail");
            farm.Report($"MEASURE thumbnail catch-up: process start -> answering gRPC {ready.TotalSeconds:0.00} s; answering -> poster served {sinceStart.Elapsed.TotalSeconds:0.00} s");

            Assert.Equal((320u, 180u), (poster.Width, poster.Height));
            var path = farm.Media("poster.jpg");
            await File.WriteAllBytesAsync(path, poster.Jpeg.ToByteArray());
            Assert.Equal("", await Measure.DecodeErrorsAsync(path));
            Assert.InRange((await Measure.SignalStatsAsync(path)).YAvg, 40, 200);
            Assert.Contains(farm.Coordinator.Lines, l => l.Contains("Thumbnail catch-up: made the thumbnails of 1 of 1", StringComparison.Ordinal));
        });
    }

    private static async Task AssertNoThumbnailAsync(FaultFarm farm, string jobId)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => farm.Jobs.GetThumbnailAsync(new GetThumbnailRequest { JobId = jobId }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    /// <summary>The stand-in's sleep outlives the killed coordinator; it is ended by the id it wrote.</summary>
    private static void KillStandIn(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (ArgumentException)
        {
            // It has ended already.
        }
    }
}
