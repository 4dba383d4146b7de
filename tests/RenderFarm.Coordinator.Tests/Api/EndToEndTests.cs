using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Api;

/// <summary>A real coordinator and real agents (in-process) rendering real clips with ffmpeg.</summary>
public sealed class EndToEndTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    private async Task<string> ClipInMedia(string name)
    {
        var path = Path.Combine(_farm.MediaDir, name);
        await TestClips.CopyAsync(TestClips.PhoneHlgAsync(), path);
        return path;
    }

    [Fact]
    public async Task SubmitJob_WithAgent_RendersWatchesAndPublishesVerifiedOutput()
    {
        await _farm.StartAgentAsync("agent-a");
        var input = await ClipInMedia("phone clip, take 1.mp4");
        var output = Path.Combine(_farm.MediaDir, "proxies", "take 1 proxy.mp4");

        var submitted = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { Name = "take 1", InputPath = input, OutputPath = output, Output = new OutputSettings { Preset = Preset.H264Proxy540P, FrameRateMode = FrameRateMode.Constant, FrameRate = "30" } },
        })).Job;

        var seen = new List<Job>();
        using (var watch = _farm.Jobs.WatchJob(new WatchJobRequest { JobId = submitted.Id }))
        {
            while (await watch.ResponseStream.MoveNext(CancellationToken.None)) seen.Add(watch.ResponseStream.Current.Job);
        }

        var done = seen[^1];
        Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}");
        Assert.Contains(seen, j => j.State == JobState.Running);
        Assert.Equal(100, done.Percent);
        Assert.Equal(output, done.Result.Path);
        Assert.Equal(64, done.Result.Sha256.Length);
        Assert.Equal("bt709", await Ffprobe.VideoFieldAsync(output, "color_transfer"));
        Assert.Equal("h264", await Ffprobe.VideoFieldAsync(output, "codec_name"));
        Assert.Equal((long)done.Result.FrameCount, await Ffprobe.CountFramesAsync(output));
        var attempt = Assert.Single(Assert.Single(done.Tasks).Attempts);
        Assert.Equal("agent-a", attempt.AgentId);
        Assert.Equal(AttemptOutcome.Succeeded, attempt.Outcome);
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(output)!));
    }

    [Fact]
    public async Task CancelJob_MidRender_StopsFfmpegAndLeavesNoFiles()
    {
        await _farm.StartAgentAsync("agent-a");
        var input = await ClipInMedia("long.mp4");
        var output = Path.Combine(_farm.MediaDir, "slow.mp4");
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { InputPath = input, OutputPath = output, Output = new OutputSettings { Preset = Preset.Av1Delivery, Crf = 20 } },
        })).Job;
        await _farm.WaitForJobAsync(job.Id, j => j.State == JobState.Running, TimeSpan.FromSeconds(30));

        var canceled = (await _farm.Jobs.CancelJobAsync(new CancelJobRequest { JobId = job.Id })).Job;

        Assert.Equal(JobState.Canceled, canceled.State);
        await FarmHost.WaitUntilAsync(async () =>
            (await _farm.Farm.ListAgentsAsync(new ListAgentsRequest())).Agents.Single().RunningAttemptIds.Count == 0
            && !Directory.EnumerateFileSystemEntries(_farm.MediaDir, ".renderfarm-*").Any(), TimeSpan.FromSeconds(15));
        Assert.False(File.Exists(output));
        Assert.Equal(JobState.Canceled, (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = job.Id })).Job.State);
    }

    [Fact]
    public async Task SubmitJob_MalformedLut_FailsForGoodNamingTheLine()
    {
        await _farm.StartAgentAsync("agent-a");
        var input = await ClipInMedia("in.mp4");
        var lut = Path.Combine(_farm.MediaDir, "broken.cube");
        await File.WriteAllTextAsync(lut, "LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1\n");
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { InputPath = input, OutputPath = "graded.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P }, Grade = new Grade { LutPath = lut } },
        })).Job;

        var done = await _farm.WaitForJobAsync(job.Id, j => j.State is JobState.Failed or JobState.Succeeded, TimeSpan.FromSeconds(30));

        Assert.Equal(JobState.Failed, done.State);
        Assert.Contains("line 4", done.Error);
        var attempt = Assert.Single(done.Tasks[0].Attempts);
        Assert.Equal(FailureClass.BadInput, attempt.FailureClass);
        Assert.Equal(1u, done.Tasks[0].FailedAttempts);
    }

    [Fact]
    public async Task Restart_JobSubmittedBefore_IsStillQueuedAndRendersAfter()
    {
        var input = await ClipInMedia("restart.mp4");
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { InputPath = input, OutputPath = "after-restart.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P } },
        })).Job;

        await _farm.StopCoordinatorAsync();
        await _farm.StartCoordinatorAsync();

        var after = (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = job.Id })).Job;
        Assert.Equal(JobState.Queued, after.State);
        Assert.Equal(input, after.Spec.InputPath);

        await _farm.StartAgentAsync("agent-after");
        var done = await _farm.WaitForJobAsync(job.Id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(60));
        Assert.True(done.State == JobState.Succeeded, done.Error);
        Assert.True(File.Exists(Path.Combine(_farm.MediaDir, "after-restart.mp4")));
    }

    [Fact]
    public async Task Dispatch_TwoJobsOneSlot_NeverMoreThanCreditAndBothFinish()
    {
        await _farm.StartAgentAsync("agent-a", slots: 1);
        var input = await ClipInMedia("pair.mp4");
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            ids.Add((await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
            {
                Spec = new JobSpec { InputPath = input, OutputPath = $"pair-{i}.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P } },
            })).Job.Id);
        }

        var maxRunning = 0;
        await FarmHost.WaitUntilAsync(async () =>
        {
            var agent = (await _farm.Farm.ListAgentsAsync(new ListAgentsRequest())).Agents.Single();
            maxRunning = Math.Max(maxRunning, agent.RunningAttemptIds.Count);
            var jobs = await Task.WhenAll(ids.Select(async id => (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = id })).Job));
            return jobs.All(j => j.State == JobState.Succeeded);
        }, TimeSpan.FromSeconds(60));

        Assert.Equal(1, maxRunning);
        var stats = await _farm.Farm.GetQueueStatsAsync(new GetQueueStatsRequest());
        Assert.Equal(2u, stats.Jobs.Single(c => c.State == JobState.Succeeded).Count);
    }
}
