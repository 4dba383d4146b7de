using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Coordinator.Thumbnails;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;
using Xunit.Abstractions;

namespace RenderFarm.Coordinator.Tests.Thumbnails;

/// <summary>
/// Thumbnails made when first asked for, by real renders of a real in-process agent. The coordinator's ffmpeg is a
/// stand-in that records each start and, while a HOLD file exists, hangs (a making in progress), before running the
/// real ffmpeg.
/// </summary>
public sealed class ThumbnailOnDemandTests(ITestOutputHelper output) : IAsyncLifetime
{
    private FarmHost _farm = null!;
    private readonly string _dir = Directory.CreateTempSubdirectory("rf-thumbs-").FullName;
    private string Starts => Path.Combine(_dir, "starts");
    private string Hold => Path.Combine(_dir, "HOLD");
    private string Slow => Path.Combine(_dir, "SLOW");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        File.Delete(Hold);
        if (_farm is not null) await _farm.DisposeAsync();
    }

    private async Task StartAsync(params (string Key, string Value)[] settings)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("the stand-in ffmpeg is a POSIX shell script");
        var script = Path.Combine(_dir, "thumbnail-ffmpeg");
        await File.WriteAllTextAsync(script,
            $"#!/bin/sh\necho $$ >> '{Starts}'\n[ -e '{Hold}' ] && exec sleep 600\n[ -e '{Slow}' ] && sleep 1\nexec ffmpeg \"$@\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var all = new Dictionary<string, string?> { ["Coordinator:Thumbnails:Ffmpeg"] = script };
        foreach (var (key, value) in settings) all[key] = value;
        _farm = await FarmHost.StartAsync(all);
        await _farm.StartAgentAsync("agent-a");
    }

    private string[] Started() => File.Exists(Starts) ? File.ReadAllLines(Starts) : [];

    private ThumbnailStore Store => _farm.Services.GetRequiredService<ThumbnailStore>();

    private async Task<Job> RunAsync(string name)
    {
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec
            {
                Name = name, InputPath = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, $"{name}.mp4")),
                OutputPath = Path.Combine(_farm.MediaDir, $"out/{name}.mp4"), Output = new OutputSettings { Preset = Preset.H264Proxy540P },
            },
        })).Job;
        var ended = await _farm.WaitForJobAsync(job.Id, j => j.State is JobState.Succeeded or JobState.Failed or JobState.Canceled, TimeSpan.FromMinutes(3));
        Assert.True(ended.State == JobState.Succeeded, $"{name} ended {ended.State}: {ended.Error}");
        return ended;
    }

    private Task<GetThumbnailResponse> AskAsync(string jobId, CancellationToken cancellationToken = default) =>
        _farm.Jobs.GetThumbnailAsync(new GetThumbnailRequest { JobId = jobId }, cancellationToken: cancellationToken).ResponseAsync;

    private async Task AssertPosterAsync(GetThumbnailResponse poster, string name)
    {
        Assert.Equal((320u, 180u), (poster.Width, poster.Height));
        var path = Path.Combine(_dir, $"{name}.jpg");
        await File.WriteAllBytesAsync(path, poster.Jpeg.ToByteArray());
        Assert.Equal("", await Measure.DecodeErrorsAsync(path));
        Assert.InRange((await Measure.SignalStatsAsync(path)).YAvg, 40, 200);
    }

    [Fact]
    public async Task GetThumbnail_JobSucceeded_NoFfmpegUntilAskedThenMadeOnceAndServedFromTheStore()
    {
        await StartAsync();
        var job = await RunAsync("plain");
        await Task.Delay(1000);
        Assert.Empty(Started());
        Assert.Null(await Store.FindAsync(job.Id, CancellationToken.None));

        var clock = Stopwatch.StartNew();
        var first = await AskAsync(job.Id);
        var made = clock.Elapsed;
        await AssertPosterAsync(first, "first");
        Assert.Equal([ThumbnailKind.Poster], first.Kinds);
        Assert.Single(Started());

        clock.Restart();
        var again = await AskAsync(job.Id);
        output.WriteLine($"MEASURE poster_320x180_first_view_ms={made.TotalMilliseconds:0} stored_view_ms={clock.Elapsed.TotalMilliseconds:0}");
        Assert.Equal(first.CreateTime, again.CreateTime);
        Assert.Equal(first.Jpeg, again.Jpeg);
        Assert.Single(Started());
    }

    [Fact]
    public async Task GetThumbnail_TwoViewersAtOnce_OneFfmpegBothServedTheSamePicture()
    {
        await StartAsync();
        var job = await RunAsync("shared");
        await File.WriteAllTextAsync(Slow, "");

        var both = await Task.WhenAll(AskAsync(job.Id), AskAsync(job.Id));
        Assert.Single(Started());
        Assert.Equal(both[0].Jpeg, both[1].Jpeg);
        await AssertPosterAsync(both[0], "shared");
    }

    [Fact]
    public async Task GetThumbnail_ViewerLeavesWhileItIsMade_FfmpegStoppedNothingKeptAndTheNextInLineMade()
    {
        await StartAsync(("Coordinator:Thumbnails:MaxConcurrent", "1"));
        var left = await RunAsync("left");
        var next = await RunAsync("next");
        await File.WriteAllTextAsync(Hold, "");

        using var leave = new CancellationTokenSource();
        var leaving = AskAsync(left.Id, leave.Token);
        await FarmHost.WaitUntilAsync(() => Task.FromResult(Started().Length == 1), TimeSpan.FromSeconds(30));
        var held = int.Parse(Started()[0], System.Globalization.CultureInfo.InvariantCulture);
        var waiting = AskAsync(next.Id);
        // One making at a time: the second job waits for its turn and starts no ffmpeg.
        await Task.Delay(1000);
        Assert.Single(Started());
        Assert.Equal(2, _farm.Services.GetRequiredService<ThumbnailsOnDemand>().InFlight);

        File.Delete(Hold);
        await leave.CancelAsync();
        await Assert.ThrowsAsync<RpcException>(() => leaving); // Cancelled (Unknown through the in-process test server)
        // The left viewer's ffmpeg is stopped, and the turn passes to the next job.
        await FarmHost.WaitUntilAsync(() => Task.FromResult(!Directory.Exists($"/proc/{held}")), TimeSpan.FromSeconds(30));
        await AssertPosterAsync(await waiting.WaitAsync(TimeSpan.FromSeconds(60)), "next");
        Assert.Equal(2, Started().Length);

        // Nothing half made is kept or served for the job whose viewer left; asked again, it is made.
        Assert.Null(await Store.FindAsync(left.Id, CancellationToken.None));
        await AssertPosterAsync(await AskAsync(left.Id), "left");
        Assert.Equal(3, Started().Length);
        Assert.Equal(0, _farm.Services.GetRequiredService<ThumbnailsOnDemand>().InFlight);
    }

    [Fact]
    public async Task GetThumbnail_PosterOfAnEarlierRun_NotServedButMadeAgain()
    {
        await StartAsync();
        var job = await RunAsync("rerun");
        // A poster stored before the job last ended is of an earlier run of it (a different output).
        var stale = new byte[] { 0xFF, 0xD8, 0xFF, 0xD9 };
        var ended = job.EndTime.ToDateTimeOffset();
        await Store.SaveAsync(new ThumbnailStore.Thumbnail(job.Id, ThumbnailKind.Poster, stale, 16, 16, ended.AddSeconds(-1)), CancellationToken.None);
        await Store.SaveAsync(new ThumbnailStore.Thumbnail(job.Id, ThumbnailKind.ContactSheet, stale, 16, 16, ended.AddSeconds(-1)), CancellationToken.None);

        var poster = await AskAsync(job.Id);
        await AssertPosterAsync(poster, "rerun");
        Assert.True(poster.CreateTime.ToDateTimeOffset() >= ended, $"made {poster.CreateTime}, the job ended {job.EndTime}");
        Assert.Equal([ThumbnailKind.Poster], poster.Kinds);
        var sheet = await Assert.ThrowsAsync<RpcException>(() =>
            _farm.Jobs.GetThumbnailAsync(new GetThumbnailRequest { JobId = job.Id, Kind = ThumbnailKind.ContactSheet }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, sheet.StatusCode);
        Assert.Contains("ContactSheetMinDuration", sheet.Status.Detail, StringComparison.Ordinal);
        Assert.Single(Started());
    }

    [Fact]
    public async Task GetThumbnail_OutputMovedOrReplacedAfterSuccess_FailedPreconditionSayingWhyNotTriedAgainUntilLater()
    {
        await StartAsync(("Coordinator:Thumbnails:FailureRetryAfter", "00:00:04"));
        var moved = await RunAsync("moved");
        var replaced = await RunAsync("replaced");

        var path = Path.Combine(_farm.MediaDir, "out/moved.mp4");
        File.Move(path, path + ".away");
        var error = await Assert.ThrowsAsync<RpcException>(() => AskAsync(moved.Id));
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("out/moved.mp4 cannot be opened", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("moved or removed after the job succeeded", error.Status.Detail, StringComparison.Ordinal);

        var file = Path.Combine(_farm.MediaDir, "out/replaced.mp4");
        var original = await File.ReadAllBytesAsync(file);
        await File.WriteAllBytesAsync(file, [.. original, .. original]);
        error = await Assert.ThrowsAsync<RpcException>(() => AskAsync(replaced.Id));
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"is {original.Length * 2} bytes, not the {original.Length} bytes the job verified", error.Status.Detail, StringComparison.Ordinal);

        // Put back, the outputs are not tried again at once: the same answer, no ffmpeg.
        File.Move(path + ".away", path);
        await File.WriteAllBytesAsync(file, original);
        var again = await Assert.ThrowsAsync<RpcException>(() => AskAsync(replaced.Id));
        Assert.Equal(error.Status.Detail, again.Status.Detail);
        Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(() => AskAsync(moved.Id))).StatusCode);
        Assert.Empty(Started());

        // After Coordinator:Thumbnails:FailureRetryAfter they are tried again, and made.
        await Task.Delay(TimeSpan.FromSeconds(4.5));
        await AssertPosterAsync(await AskAsync(moved.Id), "moved");
        await AssertPosterAsync(await AskAsync(replaced.Id), "replaced");
        Assert.Equal(2, Started().Length);
    }

    [Fact]
    public async Task MakeAfterEachJob_On_PosterStoredWithoutBeingAskedAndServedAsStored()
    {
        await StartAsync(("Coordinator:Thumbnails:MakeAfterEachJob", "true"));
        var job = await RunAsync("eager");

        ThumbnailStore.Thumbnail? stored = null;
        await FarmHost.WaitUntilAsync(async () => (stored = await Store.FindAsync(job.Id, CancellationToken.None)) is not null, TimeSpan.FromSeconds(60));
        var poster = await AskAsync(job.Id);
        Assert.Equal(stored!.Created, poster.CreateTime.ToDateTimeOffset());
        await AssertPosterAsync(poster, "eager");
        Assert.Single(Started());
    }
}
