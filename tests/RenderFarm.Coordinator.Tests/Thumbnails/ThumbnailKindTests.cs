using System.Globalization;
using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;
using Xunit.Abstractions;

namespace RenderFarm.Coordinator.Tests.Thumbnails;

/// <summary>
/// Contact sheets and graded jobs' source posters, made by the coordinator from real renders of a real in-process agent
/// and measured as pictures.
/// </summary>
public sealed class ThumbnailKindTests(ITestOutputHelper output) : IAsyncLifetime
{
    private FarmHost _farm = null!;

    // A 2 s clip is long enough for a contact sheet here (the default threshold is 20 s).
    public async Task InitializeAsync() =>
        _farm = await FarmHost.StartAsync(new Dictionary<string, string?> { ["Coordinator:Thumbnails:ContactSheetMinDuration"] = "00:00:01" });

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    private string Media(string relative) => Path.Combine(_farm.MediaDir, relative);

    private string Work(string name) => Path.Combine(_farm.Root, name);

    [Fact]
    public async Task GetThumbnail_ContactSheet_ThreeByTwoGridOfFramesInTimeOrder()
    {
        await _farm.StartAgentAsync("agent-a");
        var job = await RunAsync("sheet", await TestClips.CopyAsync(TestClips.SdrAsync(), Media("sheet.mp4")), null);

        var sheet = await ThumbnailTests.WaitForThumbnailAsync(_farm, job.Id, ThumbnailKind.ContactSheet);
        Assert.Equal(ThumbnailKind.ContactSheet, sheet.Kind);
        Assert.Equal([ThumbnailKind.Poster, ThumbnailKind.ContactSheet], sheet.Kinds);
        var path = await SaveAsync(sheet, "sheet.jpg");
        var stream = (await Ffprobe.StreamAsync(path))!.Value;
        // 3 x 2 tiles of 160 x 90 (the 320 x 180 output at the tile width).
        Assert.Equal((480, 180), (stream.GetProperty("width").GetInt32(), stream.GetProperty("height").GetInt32()));
        Assert.Equal((480u, 180u), (sheet.Width, sheet.Height));
        Assert.Equal("", await Measure.DecodeErrorsAsync(path));

        // Each tile is the output's frame at the middle of its sixth of the clip, and the tiles are different frames.
        var rendered = Media("out/sheet.mp4");
        var tiles = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var tile = Work($"tile{i}.jpg");
            await ProcessRunner.FfmpegAsync("-y", "-i", path, "-vf", $"crop=160:90:{i % 3 * 160}:{i / 3 * 90}", "-q:v", "2", tile);
            tiles.Add(tile);
            var reference = await FrameAsync(rendered, job.Result.DurationSeconds * (i + 0.5) / 6, 160, $"ref{i}.png");
            var same = await Measure.PsnrAsync(reference, tile);
            output.WriteLine($"MEASURE contact_sheet_tile{i}_vs_output_frame_psnr_db={same:0.0}");
            Assert.True(same >= 25, $"tile {i} is {same:0.0} dB from the output's frame at its time");
        }

        for (var i = 1; i < 6; i++)
        {
            var apart = await Measure.PsnrAsync(tiles[i - 1], tiles[i]);
            output.WriteLine($"MEASURE contact_sheet_tile{i - 1}_vs_tile{i}_psnr_db={apart:0.0}");
            Assert.True(apart < 22, $"tiles {i - 1} and {i} are {apart:0.0} dB apart: not frames from different times");
        }
    }

    [Fact]
    public async Task GetThumbnail_GradedJob_SourcePosterIsTheUngradedFrameAndPosterMatchesTheOutput()
    {
        await _farm.StartAgentAsync("agent-a");
        var job = await RunAsync("brighter", await TestClips.CopyAsync(TestClips.SdrAsync(), Media("graded.mp4")), new Grade { Exposure = 1 });

        var poster = await ThumbnailTests.WaitForThumbnailAsync(_farm, job.Id, ThumbnailKind.Poster);
        var source = await ThumbnailTests.WaitForThumbnailAsync(_farm, job.Id, ThumbnailKind.Source);
        Assert.Contains(ThumbnailKind.Source, poster.Kinds);
        Assert.Equal((320u, 180u), (source.Width, source.Height));
        var posterPath = await SaveAsync(poster, "result.jpg");
        var sourcePath = await SaveAsync(source, "source.jpg");

        // The result is the source one stop brighter: its poster is brighter than the source's, and the source's is the source.
        var (resultLuma, sourceLuma) = ((await Measure.SignalStatsAsync(posterPath)).YAvg, (await Measure.SignalStatsAsync(sourcePath)).YAvg);
        output.WriteLine($"MEASURE graded_exposure_plus1 result_poster_yavg={resultLuma:0.0} source_poster_yavg={sourceLuma:0.0}");
        Assert.True(resultLuma > sourceLuma + 8, $"result poster Y {resultLuma:0.0}, source poster Y {sourceLuma:0.0}: the grade (+1 stop) does not show");
        var seconds = job.Result.DurationSeconds * 0.1;
        var sourceFrame = await FrameAsync(Media("graded.mp4"), seconds, 320, "source-frame.png");
        var outputFrame = await FrameAsync(Media("out/brighter.mp4"), seconds, 320, "output-frame.png");
        var sourceMatch = await Measure.PsnrAsync(sourceFrame, sourcePath);
        var posterMatch = await Measure.PsnrAsync(outputFrame, posterPath);
        output.WriteLine($"MEASURE source_poster_vs_source_frame_psnr_db={sourceMatch:0.0} result_poster_vs_output_frame_psnr_db={posterMatch:0.0}");
        Assert.True(sourceMatch >= 30, $"the source poster is {sourceMatch:0.0} dB from the source frame at the poster's time");
        Assert.True(posterMatch >= 30, $"the result poster is {posterMatch:0.0} dB from the output frame at its time");
        Assert.True(await Measure.PsnrAsync(outputFrame, sourcePath) < 25, "the source poster looks like the graded output");

        // A plain transcode has no source poster; asking for one says when there is one.
        var plain = await RunAsync("plain", Media("graded.mp4"), null);
        await ThumbnailTests.WaitForThumbnailAsync(_farm, plain.Id, ThumbnailKind.Poster);
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _farm.Jobs.GetThumbnailAsync(new GetThumbnailRequest { JobId = plain.Id, Kind = ThumbnailKind.Source }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("grade or LUT", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetThumbnail_GradedHlgSource_SourcePosterToneMappedLikeTheRender()
    {
        await _farm.StartAgentAsync("agent-a");
        // A grade that changes nothing: the result is the agent's tone-map of the HLG source, to SDR.
        var job = await RunAsync("hlg", await TestClips.CopyAsync(TestClips.PhoneHlgAsync(), Media("hlg.mp4")), new Grade { Exposure = 0 });
        Assert.Equal("bt709", job.Result.ColorTransfer);

        var source = await SaveAsync(await ThumbnailTests.WaitForThumbnailAsync(_farm, job.Id, ThumbnailKind.Source), "hlg-source.jpg");
        var result = await SaveAsync(await ThumbnailTests.WaitForThumbnailAsync(_farm, job.Id, ThumbnailKind.Poster), "hlg-result.jpg");
        var stats = await Measure.SignalStatsAsync(source);
        Assert.InRange(stats.YAvg, 40, 200);

        // The coordinator's display chain of the HLG source and the agent's tone-mapped render are one tone-map; the HLG
        // frame shown as SDR without it is far from the render.
        var psnr = await Measure.PsnrAsync(result, source);
        var untoned = Work("hlg-untoned.jpg");
        await ProcessRunner.FfmpegAsync("-y", "-ss", (job.Result.DurationSeconds * 0.1).ToString("0.###", CultureInfo.InvariantCulture), "-i", Media("hlg.mp4"),
            "-frames:v", "1", "-vf", "scale=w=320:h=-2,format=yuvj420p", "-q:v", "4", untoned);
        var untonedPsnr = await Measure.PsnrAsync(result, untoned);
        output.WriteLine($"MEASURE hlg_source_poster_yavg={stats.YAvg:0.0} vs_agent_tonemapped_render_psnr_db={psnr:0.0} untonemapped_psnr_db={untonedPsnr:0.0}");
        Assert.True(psnr >= 30 && psnr > untonedPsnr + 3, $"source poster {psnr:0.0} dB from the tone-mapped render; the HLG frame without the tone-map {untonedPsnr:0.0} dB");
    }

    private async Task<Job> RunAsync(string name, string input, Grade? grade)
    {
        var spec = new JobSpec { Name = name, InputPath = input, OutputPath = Media($"out/{name}.mp4"), Output = new OutputSettings { Preset = Preset.H264Proxy540P } };
        if (grade is not null) spec.Grade = grade;
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = spec })).Job;
        var ended = await _farm.WaitForJobAsync(job.Id, j => j.State is JobState.Succeeded or JobState.Failed or JobState.Canceled, TimeSpan.FromMinutes(3));
        Assert.True(ended.State == JobState.Succeeded, $"{name} ended {ended.State}: {ended.Error}");
        return ended;
    }

    private async Task<string> SaveAsync(GetThumbnailResponse thumbnail, string name)
    {
        var path = Work(name);
        await File.WriteAllBytesAsync(path, thumbnail.Jpeg.ToByteArray());
        return path;
    }

    /// <summary>The frame of <paramref name="video"/> at <paramref name="seconds"/>, <paramref name="width"/> wide, as a full-range JPEG like a thumbnail.</summary>
    private async Task<string> FrameAsync(string video, double seconds, int width, string name)
    {
        var path = Work(name.Replace(".png", ".jpg", StringComparison.Ordinal));
        await ProcessRunner.FfmpegAsync("-y", "-ss", seconds.ToString("0.###", CultureInfo.InvariantCulture), "-i", video, "-frames:v", "1",
            "-vf", $"scale=w={width}:h=-2,format=yuvj420p", "-q:v", "2", path);
        return path;
    }
}
