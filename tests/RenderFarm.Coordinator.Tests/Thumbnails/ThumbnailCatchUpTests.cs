using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Coordinator.Thumbnails;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Thumbnails;

/// <summary>Succeeded jobs left without thumbnails by a coordinator that stopped get them after the next start.</summary>
public sealed class ThumbnailCatchUpTests : IAsyncLifetime
{
    private FarmHost _farm = null!;
    private string _gate = null!;
    private string _started = null!;

    public async Task InitializeAsync()
    {
        // The thumbnails' ffmpeg at first is one that says it started and then never ends: the coordinator stops between
        // the commit that ended the job and its thumbnail.
        var root = Directory.CreateTempSubdirectory("rf-catchup-").FullName;
        _started = Path.Combine(root, "started");
        _gate = Path.Combine(root, "ffmpeg-stuck.sh");
        await File.WriteAllTextAsync(_gate, $"#!/bin/sh\necho \"$$\" >> '{_started}'\nexec sleep 600\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_gate, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _farm = await FarmHost.StartAsync(new Dictionary<string, string?> { ["Coordinator:Thumbnails:Ffmpeg"] = _gate });
    }

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task Start_SucceededJobsWithoutPoster_GetThemInTheBackgroundWithoutDelayingTheStart()
    {
        await _farm.StartAgentAsync("agent-a");
        var ids = new List<string>();
        foreach (var name in new[] { "first", "second" })
        {
            var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
            {
                Spec = new JobSpec
                {
                    Name = name, InputPath = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, $"{name}.mp4")),
                    OutputPath = Path.Combine(_farm.MediaDir, $"out/{name}.mp4"), Output = new OutputSettings { Preset = Preset.H264Proxy540P },
                },
            })).Job;
            Assert.Equal(JobState.Succeeded, (await _farm.WaitForJobAsync(job.Id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromMinutes(3))).State);
            ids.Add(job.Id);
        }

        // The window: both jobs' completions are committed, the first one's thumbnail is being made when the coordinator stops.
        await FarmHost.WaitUntilAsync(() => Task.FromResult(File.Exists(_started)), TimeSpan.FromSeconds(30));
        await AssertNoPosterAsync(ids[0]);
        await _farm.StopCoordinatorAsync();

        // A start while the catch-up's ffmpeg is stuck is not held up by it, and the catch-up starts with the most recent job.
        File.Delete(_started);
        var start = DateTime.UtcNow;
        await _farm.StartCoordinatorAsync();
        Assert.True(DateTime.UtcNow - start < TimeSpan.FromSeconds(20), $"the start took {DateTime.UtcNow - start}");
        await FarmHost.WaitUntilAsync(() => Task.FromResult(File.Exists(_started)), TimeSpan.FromSeconds(30));
        await AssertNoPosterAsync(ids[1]);
        await _farm.StopCoordinatorAsync();

        // With a working ffmpeg, the next start gives both their thumbnails, though no commit touches them again.
        _farm.Configure("Coordinator:Thumbnails:Ffmpeg", "ffmpeg");
        await _farm.StartCoordinatorAsync();
        await _farm.Services.GetRequiredService<ThumbnailCatchUp>().Finished.WaitAsync(TimeSpan.FromSeconds(90));
        foreach (var id in ids)
        {
            var poster = await _farm.Jobs.GetThumbnailAsync(new GetThumbnailRequest { JobId = id });
            var path = Path.Combine(_farm.Root, $"{id}.jpg");
            await File.WriteAllBytesAsync(path, poster.Jpeg.ToByteArray());
            Assert.Equal((320u, 180u), (poster.Width, poster.Height));
            Assert.InRange((await Measure.SignalStatsAsync(path)).YAvg, 40, 200);
        }
    }

    private async Task AssertNoPosterAsync(string jobId)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _farm.Jobs.GetThumbnailAsync(new GetThumbnailRequest { JobId = jobId }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }
}
