using System.Security.Cryptography;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Chains;

/// <summary>Chains (JobSpec.input_from_job) on a real coordinator with a real in-process agent and real ffmpeg.</summary>
public sealed class ChainedJobTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() =>
        _farm = await FarmHost.StartAsync(new Dictionary<string, string?> { ["Coordinator:Chunking:MinInputDuration"] = "00:00:00" });

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    private string Media(string relative) => Path.Combine(_farm.MediaDir, relative);

    private async Task<Job> SubmitAsync(JobSpec spec) => (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = spec })).Job;

    private Task<Job> WaitForEndAsync(string jobId, TimeSpan timeout) =>
        _farm.WaitForJobAsync(jobId, j => j.State is JobState.Succeeded or JobState.Failed or JobState.Canceled, timeout);

    private static string Sha256Of(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    [Fact]
    public async Task Chain_ChunkedTranscodeThenGradeThenProxy_EachReadsExactlyItsParentsOutput()
    {
        await _farm.StartAgentAsync("agent-a", slots: 2);
        var source = await TestClips.CopyAsync(TestClips.ChunkableAsync(), Media("reel.mp4"));
        var master = Media("out/reel master.mp4");
        var graded = Media("out/reel graded.mp4");
        var proxy = Media("proxies/reel proxy.mp4");

        // Submitted all at once: the grade and the proxy read files that do not exist yet.
        var transcode = await SubmitAsync(new JobSpec
        {
            Name = "master", InputPath = source, OutputPath = master, ChunkDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(1.5)),
            Output = new OutputSettings { Preset = Preset.H264Delivery, FrameRateMode = FrameRateMode.Constant, FrameRate = "30" },
        });
        var grade = await SubmitAsync(new JobSpec
        {
            Name = "grade", InputFromJob = transcode.Id, OutputPath = graded, Grade = new Grade { Exposure = 1 },
            Output = new OutputSettings { Preset = Preset.H264Delivery, FrameRateMode = FrameRateMode.Constant, FrameRate = "30" },
        });
        var proxyJob = await SubmitAsync(new JobSpec { Name = "proxy", InputFromJob = grade.Id, OutputPath = proxy, Output = new OutputSettings { Preset = Preset.H264Proxy540P } });

        Assert.Equal(JobState.Waiting, grade.State);
        var waiting = (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = grade.Id })).Job.Tasks.Single().WaitReason;
        Assert.Equal(WaitReason.Types.Kind.Dependency, waiting.Kind);
        Assert.Equal([transcode.Id], waiting.JobIds);

        var last = await WaitForEndAsync(proxyJob.Id, TimeSpan.FromMinutes(3));
        var first = (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = transcode.Id })).Job;
        var second = (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = grade.Id })).Job;
        Assert.True(first.State == JobState.Succeeded, $"transcode ended {first.State}: {first.Error}");
        Assert.True(second.State == JobState.Succeeded, $"grade ended {second.State}: {second.Error}");
        Assert.True(last.State == JobState.Succeeded, $"proxy ended {last.State}: {last.Error}");
        Assert.Contains(first.Tasks, t => t.Kind == TaskKind.Stitch);

        // Each child recorded the bytes it was queued with: exactly its parent's published result, and the file on disk.
        Assert.Equal(first.Result.Sha256, second.InputCheck.Sha256);
        Assert.Equal(Sha256Of(master), second.InputCheck.Sha256);
        Assert.Equal(first.Result.SizeBytes, second.InputCheck.SizeBytes);
        Assert.Equal(second.Result.Sha256, last.InputCheck.Sha256);
        Assert.Equal(Sha256Of(graded), last.InputCheck.Sha256);
        Assert.Equal((180ul, "h264"), (second.InputCheck.FrameCount, second.InputCheck.VideoCodec));
        Assert.InRange(second.InputCheck.DurationSeconds, 5.9, 6.1);

        // And rendered from it: every frame through, the grade brighter than the master, the proxy as bright as the grade.
        Assert.Equal(180, await Ffprobe.CountFramesAsync(graded));
        Assert.Equal(180, await Ffprobe.CountFramesAsync(proxy));
        var masterY = (await Measure.SignalStatsAsync(master)).YAvg;
        var gradedY = (await Measure.SignalStatsAsync(graded)).YAvg;
        var proxyY = (await Measure.SignalStatsAsync(proxy)).YAvg;
        Assert.True(gradedY > masterY + 10, $"graded Y {gradedY:0.0} vs master {masterY:0.0}: the grade did not read the master");
        Assert.InRange(proxyY, gradedY - 3, gradedY + 3);
        Assert.True(second.StartTime.ToDateTimeOffset() >= first.EndTime.ToDateTimeOffset(), "the grade started before its input was published");
    }

    [Fact]
    public async Task Chain_ParentFails_ChildAndGrandchildFailNamingTheirParents_AndNeverRun()
    {
        await _farm.StartAgentAsync("agent-a");
        var corrupt = Media("in/corrupt.mp4");
        Directory.CreateDirectory(Path.GetDirectoryName(corrupt)!);
        var bytes = new byte[200_000];
        new Random(22).NextBytes(bytes);
        await File.WriteAllBytesAsync(corrupt, bytes);

        var parent = await SubmitAsync(new JobSpec { InputPath = corrupt, OutputPath = Media("out/master.mp4"), Output = new OutputSettings { Preset = Preset.H264Proxy540P } });
        var child = await SubmitAsync(new JobSpec { InputFromJob = parent.Id, OutputPath = Media("out/graded.mp4"), Grade = new Grade { Exposure = 1 }, Output = new OutputSettings { Preset = Preset.H264Proxy540P } });
        var grandchild = await SubmitAsync(new JobSpec { InputFromJob = child.Id, OutputPath = Media("out/proxy.mp4"), Output = new OutputSettings { Preset = Preset.H264Proxy540P } });

        var failed = await WaitForEndAsync(grandchild.Id, TimeSpan.FromSeconds(60));
        var parentDone = (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = parent.Id })).Job;
        var childDone = (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = child.Id })).Job;
        Assert.Equal(JobState.Failed, parentDone.State);
        Assert.Equal(JobState.Failed, childDone.State);
        Assert.Contains($"its input comes from job '{parent.Id}', which failed", childDone.Error, StringComparison.Ordinal);
        Assert.Contains("corrupt.mp4", childDone.Error, StringComparison.Ordinal);
        Assert.Equal(JobState.Failed, failed.State);
        Assert.Contains($"its input comes from job '{child.Id}', which failed", failed.Error, StringComparison.Ordinal);
        Assert.All([childDone, failed], j => Assert.Empty(j.Tasks.SelectMany(t => t.Attempts)));
        Assert.False(Directory.EnumerateFiles(Media("out")).Any(), "something was published");
    }

    [Fact]
    public async Task Chain_ParentCanceled_ChildIsCanceledNamingIt()
    {
        var parent = await SubmitAsync(new JobSpec
        {
            InputPath = await TestClips.CopyAsync(TestClips.SdrAsync(), Media("in.mp4")), OutputPath = Media("out/master.mp4"),
            Output = new OutputSettings { Preset = Preset.H264Proxy540P }, StartTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)),
        });
        var child = await SubmitAsync(new JobSpec { InputFromJob = parent.Id, OutputPath = Media("out/proxy.mp4"), Output = new OutputSettings { Preset = Preset.H264Proxy540P } });

        await _farm.Jobs.CancelJobAsync(new CancelJobRequest { JobId = parent.Id });

        var canceled = (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = child.Id })).Job;
        Assert.Equal(JobState.Canceled, canceled.State);
        Assert.Contains($"its input comes from job '{parent.Id}', which was canceled", canceled.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chain_ParentsOutputChangedAfterItSucceeded_ChildFailsAsBadInputWithoutRunning()
    {
        await _farm.StartAgentAsync("agent-a");
        var master = Media("out/master.mp4");
        var parent = await SubmitAsync(new JobSpec { InputPath = await TestClips.CopyAsync(TestClips.SdrAsync(), Media("in.mp4")), OutputPath = master, Output = new OutputSettings { Preset = Preset.H264Proxy540P } });
        Assert.Equal(JobState.Succeeded, (await WaitForEndAsync(parent.Id, TimeSpan.FromSeconds(60))).State);
        await File.AppendAllTextAsync(master, "tampered");

        var child = await SubmitAsync(new JobSpec { InputFromJob = parent.Id, OutputPath = Media("out/proxy.mp4"), Output = new OutputSettings { Preset = Preset.H264Proxy540P } });
        var failed = await WaitForEndAsync(child.Id, TimeSpan.FromSeconds(30));

        Assert.Equal(JobState.Failed, failed.State);
        Assert.Contains($"the output of job '{parent.Id}'", failed.Error, StringComparison.Ordinal);
        Assert.Contains("was changed after that job ended", failed.Error, StringComparison.Ordinal);
        Assert.Empty(failed.Tasks.SelectMany(t => t.Attempts));
        Assert.False(File.Exists(Media("out/proxy.mp4")));
    }

    [Fact]
    public async Task Submit_ChainToMissingJobOrWithAnInputPathOrOntoItsInput_IsRefusedNamingTheField()
    {
        var parent = await SubmitAsync(new JobSpec
        {
            InputPath = await TestClips.CopyAsync(TestClips.SdrAsync(), Media("in.mp4")), OutputPath = Media("out/master.mp4"),
            Output = new OutputSettings { Preset = Preset.H264Proxy540P }, StartTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)),
        });

        async Task<string> Refused(JobSpec spec)
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => SubmitAsync(spec));
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            return e.Status.Detail;
        }

        var settings = new OutputSettings { Preset = Preset.H264Proxy540P };
        Assert.Contains("spec.input_from_job: job 'j-nope' does not exist", await Refused(new JobSpec { InputFromJob = "j-nope", OutputPath = Media("o.mp4"), Output = settings }));
        Assert.Contains("spec.input_path: leave it empty", await Refused(new JobSpec { InputFromJob = parent.Id, InputPath = Media("in.mp4"), OutputPath = Media("o.mp4"), Output = settings }));
        Assert.Contains($"is the output of job '{parent.Id}'", await Refused(new JobSpec { InputFromJob = parent.Id, OutputPath = Media("out/master.mp4"), Output = settings, Overwrite = true }));

        await _farm.Jobs.CancelJobAsync(new CancelJobRequest { JobId = parent.Id });
        Assert.Contains($"spec.input_from_job: job '{parent.Id}' has been canceled", await Refused(new JobSpec { InputFromJob = parent.Id, OutputPath = Media("o.mp4"), Output = settings }));
    }
}
