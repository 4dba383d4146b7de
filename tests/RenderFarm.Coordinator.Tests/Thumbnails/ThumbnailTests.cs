using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Thumbnails;

/// <summary>Poster frames of succeeded jobs, made by the coordinator from real renders of a real in-process agent.</summary>
public sealed class ThumbnailTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    private string Media(string relative) => Path.Combine(_farm.MediaDir, relative);

    [Fact]
    public async Task GetThumbnail_SdrHlgAndPqOutputs_SdrJpeg320WideWithSaneLuma()
    {
        await _farm.StartAgentAsync("agent-a", slots: 2);
        var hdrKept = new OutputSettings { Preset = Preset.HevcDelivery, HdrMode = HdrMode.Keep };
        var jobs = new[]
        {
            ("sdr", await TestClips.CopyAsync(TestClips.SdrAsync(), Media("sdr.mp4")), new OutputSettings { Preset = Preset.H264Proxy540P }, "bt709"),
            ("hlg", await TestClips.CopyAsync(TestClips.PhoneHlgAsync(), Media("hlg.mp4")), hdrKept, "arib-std-b67"),
            ("pq", await TestClips.CopyAsync(TestClips.PhonePqAsync(), Media("pq.mp4")), hdrKept, "smpte2084"),
        };

        foreach (var (name, input, output, transfer) in jobs)
        {
            var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
            {
                Spec = new JobSpec { Name = name, InputPath = input, OutputPath = Media($"out/{name}.mp4"), Output = output },
            })).Job;
            var ended = await _farm.WaitForJobAsync(job.Id, j => j.State is JobState.Succeeded or JobState.Failed or JobState.Canceled, TimeSpan.FromMinutes(3));
            Assert.True(ended.State == JobState.Succeeded, $"{name} ended {ended.State}: {ended.Error}");
            Assert.Equal(transfer, ended.Result.ColorTransfer);

            var thumbnail = await WaitForThumbnailAsync(job.Id);
            var jpeg = Path.Combine(_farm.Root, $"{name}.jpg");
            await File.WriteAllBytesAsync(jpeg, thumbnail.Jpeg.ToByteArray());
            var stream = await Ffprobe.StreamAsync(jpeg);
            Assert.NotNull(stream);
            Assert.Equal("mjpeg", stream.Value.GetProperty("codec_name").GetString());
            Assert.Equal(320, stream.Value.GetProperty("width").GetInt32());
            Assert.Equal(180, stream.Value.GetProperty("height").GetInt32());
            Assert.Equal((320u, 180u), (thumbnail.Width, thumbnail.Height));
            Assert.Equal("", await Measure.DecodeErrorsAsync(jpeg));
            // A display-ready SDR picture: neither HDR signal shown as SDR (washed out) nor crushed.
            Assert.InRange((await Measure.SignalStatsAsync(jpeg)).YAvg, 40, 200);
        }

        // The PQ clip is the SDR clip's picture converted to PQ (SDR white at 203 cd/m²): tone-mapped for display, its
        // poster looks like the SDR one (about 20.6 dB; the PQ frame shown without the tone-map measures 13.7 dB).
        var psnr = await Measure.PsnrAsync(Path.Combine(_farm.Root, "sdr.jpg"), Path.Combine(_farm.Root, "pq.jpg"));
        Assert.True(psnr >= 18, $"the PQ poster is {psnr:0.0} dB from the SDR one: not tone-mapped like docs/colour.md's pipeline");
    }

    [Fact]
    public async Task GetThumbnail_JobNotSucceeded_NotFoundNamingFarmctlThumbnail()
    {
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec
            {
                Name = "waits", InputPath = await TestClips.CopyAsync(TestClips.SdrAsync(), Media("in.mp4")), OutputPath = Media("out/waits.mp4"),
                Output = new OutputSettings { Preset = Preset.H264Proxy540P },
            },
        })).Job;

        var error = await Assert.ThrowsAsync<RpcException>(() => _farm.Jobs.GetThumbnailAsync(new GetThumbnailRequest { JobId = job.Id }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("farmctl thumbnail", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("QUEUED", error.Status.Detail, StringComparison.Ordinal);

        var missing = await Assert.ThrowsAsync<RpcException>(() => _farm.Jobs.GetThumbnailAsync(new GetThumbnailRequest { JobId = "job-none" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    private Task<GetThumbnailResponse> WaitForThumbnailAsync(string jobId) => WaitForThumbnailAsync(_farm, jobId, ThumbnailKind.Poster);

    /// <summary>The job's thumbnail of that kind once it is made (NotFound until then), within a minute.</summary>
    internal static async Task<GetThumbnailResponse> WaitForThumbnailAsync(FarmHost farm, string jobId, ThumbnailKind kind)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                return await farm.Jobs.GetThumbnailAsync(new GetThumbnailRequest { JobId = jobId, Kind = kind });
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
