using System.Diagnostics;
using Grpc.Core;
using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>
/// The coordinator is killed (kill -9) while it makes a job's thumbnail that a viewer asked for; after the restart, the
/// next ask makes it: nothing half made is left to be served, no making stays stuck.
/// </summary>
public sealed class ThumbnailRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillCoordinator_WhileItMakesAThumbnail_NextAskAfterTheRestartMakesIt()
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

            // Nothing is made until a viewer asks; the viewer's ask is in progress when the coordinator dies.
            await Task.Delay(1000);
            Assert.False(File.Exists(started), "the coordinator made a thumbnail nobody asked for");
            var asking = farm.Jobs.GetThumbnailAsync(new GetThumbnailRequest { JobId = job.Id }).ResponseAsync;
            await Eventually.UntilAsync(() => File.Exists(started), TimeSpan.FromSeconds(30), "the thumbnail's ffmpeg to start");
            farm.Coordinator.Kill();
            await Assert.ThrowsAsync<RpcException>(() => asking);
            foreach (var pid in File.ReadAllLines(started)) KillStandIn(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture));
            farm.Note("killed the coordinator while it made the thumbnail a viewer asked for");

            File.WriteAllText(release, "");
            var ready = await farm.Coordinator.StartAsync(farm.Channel);
            var sinceStart = Stopwatch.StartNew();
            var poster = await farm.Jobs.GetThumbnailAsync(new GetThumbnailRequest { JobId = job.Id });
            farm.Report($"MEASURE thumbnail after a restart: process start -> answering gRPC {ready.TotalSeconds:0.00} s; first ask -> poster served {sinceStart.Elapsed.TotalSeconds:0.00} s");

            Assert.Equal((320u, 180u), (poster.Width, poster.Height));
            var path = farm.Media("poster.jpg");
            await File.WriteAllBytesAsync(path, poster.Jpeg.ToByteArray());
            Assert.Equal("", await Measure.DecodeErrorsAsync(path));
            Assert.InRange((await Measure.SignalStatsAsync(path)).YAvg, 40, 200);
            Assert.Equal(poster.Jpeg, (await farm.Jobs.GetThumbnailAsync(new GetThumbnailRequest { JobId = job.Id })).Jpeg);
        });
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
