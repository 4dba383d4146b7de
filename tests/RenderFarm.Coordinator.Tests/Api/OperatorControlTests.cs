using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Api;

/// <summary>Drain, resume, cancel an attempt, read logs and wait reasons through the real gRPC surface.</summary>
public sealed class OperatorControlTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task DrainedAgent_GetsNoWork_JobSaysWhy_ResumeLetsItRun_AndTheLogIsReadable()
    {
        await _farm.StartAgentAsync("agent-a");
        var drained = (await _farm.Farm.DrainAgentAsync(new DrainAgentRequest { AgentId = "agent-a", Reason = "swapping a disk" })).Agent;
        Assert.Equal((AgentState.Drained, true, "swapping a disk"), (drained.State, drained.Draining, drained.DrainReason));

        var job = await SubmitAsync("short.mp4", TestClips.SdrAsync());
        var waiting = await _farm.WaitForJobAsync(job.Id, j => j.Tasks[0].WaitReason?.Kind == WaitReason.Types.Kind.AgentsDraining, TimeSpan.FromSeconds(10));
        Assert.Equal(JobState.Queued, waiting.State);
        Assert.Contains("swapping a disk", waiting.Tasks[0].WaitReason.Message);

        await _farm.Farm.ResumeAgentAsync(new ResumeAgentRequest { AgentId = "agent-a" });
        var done = await _farm.WaitForJobAsync(job.Id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(60));
        Assert.True(done.State == JobState.Succeeded, done.Error);

        var log = await ReadWholeLogAsync(job.Id);
        Assert.Contains("ffmpeg", log);
        Assert.Equal(done.Tasks[0].Attempts[0].LogSizeBytes, (ulong)System.Text.Encoding.UTF8.GetByteCount(log));
    }

    [Fact]
    public async Task DrainAndResume_ShowAtOnceInWatchFarm()
    {
        await _farm.StartAgentAsync("agent-a");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = _farm.Farm.WatchFarm(new WatchFarmRequest(), cancellationToken: cts.Token);
        Assert.True(await watch.ResponseStream.MoveNext(cts.Token));
        Assert.Equal(FarmEvent.EventOneofCase.Snapshot, watch.ResponseStream.Current.EventCase);

        await _farm.Farm.DrainAgentAsync(new DrainAgentRequest { AgentId = "agent-a", Reason = "kernel update" });
        var drained = await NextAgentEventAsync(watch.ResponseStream, AgentEvent.Types.Kind.Drained, cts.Token);
        Assert.Equal(("agent-a", AgentState.Drained, "kernel update"), (drained.Agent.Id, drained.Agent.State, drained.Agent.DrainReason));

        await _farm.Farm.ResumeAgentAsync(new ResumeAgentRequest { AgentId = "agent-a" });
        var resumed = await NextAgentEventAsync(watch.ResponseStream, AgentEvent.Types.Kind.Resumed, cts.Token);
        Assert.Equal(AgentState.Idle, resumed.Agent.State);
    }

    private static async Task<AgentEvent> NextAgentEventAsync(IAsyncStreamReader<FarmEvent> events, AgentEvent.Types.Kind kind, CancellationToken cancellationToken)
    {
        while (await events.MoveNext(cancellationToken))
        {
            if (events.Current.Agent is { } agent && agent.Kind == kind) return agent;
        }

        throw new Xunit.Sdk.XunitException($"the stream ended before an agent {kind} event");
    }

    [Fact]
    public async Task CancelAttempt_MidRender_RequeuesTheTaskWhichThenSucceeds()
    {
        await _farm.StartAgentAsync("agent-a");
        var job = await SubmitAsync("long.mp4", TestClips.LongAsync());
        var running = await _farm.WaitForJobAsync(job.Id, j => j.Tasks[0].Percent > 5, TimeSpan.FromSeconds(60));
        var attemptId = running.Tasks[0].Attempts[^1].Id;

        var afterCancel = (await _farm.Farm.CancelAttemptAsync(new CancelAttemptRequest { AttemptId = attemptId, Reason = "testing the cancel" })).Job;
        var canceled = afterCancel.Tasks[0].Attempts.Single(a => a.Id == attemptId);
        Assert.Equal((AttemptOutcome.Canceled, FailureClass.Interrupted, "testing the cancel"), (canceled.Outcome, canceled.FailureClass, canceled.Error));

        var done = await _farm.WaitForJobAsync(job.Id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(120));
        Assert.True(done.State == JobState.Succeeded, done.Error);
        Assert.Equal(2, done.Tasks[0].Attempts.Count);
        Assert.Equal(0u, done.Tasks[0].FailedAttempts);
        Assert.Equal((long)done.Result.FrameCount, await Ffprobe.CountFramesAsync(done.Result.Path));
    }

    [Fact]
    public async Task UnknownIdsAndBadTokens_GetClearStatuses()
    {
        var drain = await Assert.ThrowsAsync<RpcException>(() => _farm.Farm.DrainAgentAsync(new DrainAgentRequest { AgentId = "ghost" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, drain.StatusCode);
        Assert.Contains("ghost", drain.Status.Detail);

        var resume = await Assert.ThrowsAsync<RpcException>(() => _farm.Farm.ResumeAgentAsync(new ResumeAgentRequest()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, resume.StatusCode);

        var cancel = await Assert.ThrowsAsync<RpcException>(() => _farm.Farm.CancelAttemptAsync(new CancelAttemptRequest { AttemptId = "a-nope" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, cancel.StatusCode);

        var log = await Assert.ThrowsAsync<RpcException>(() => _farm.Jobs.GetTaskLogAsync(new GetTaskLogRequest { JobId = "j-nope" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, log.StatusCode);

        var job = await SubmitAsync("short.mp4", TestClips.SdrAsync());
        var notStarted = await Assert.ThrowsAsync<RpcException>(() => _farm.Jobs.GetTaskLogAsync(new GetTaskLogRequest { JobId = job.Id }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, notStarted.StatusCode);
        var badToken = await Assert.ThrowsAsync<RpcException>(() => _farm.Jobs.GetTaskLogAsync(new GetTaskLogRequest { JobId = job.Id, PageToken = "%%%" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, badToken.StatusCode);
        Assert.Contains("page_token", badToken.Status.Detail);

        var waiting = (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = job.Id })).Job;
        Assert.Equal(WaitReason.Types.Kind.NoAgents, waiting.Tasks[0].WaitReason.Kind);
    }

    private async Task<Job> SubmitAsync(string name, Task<string> clip)
    {
        var input = Path.Combine(_farm.MediaDir, name);
        await TestClips.CopyAsync(clip, input);
        return (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec
            {
                Name = name,
                InputPath = input,
                OutputPath = Path.Combine(_farm.MediaDir, "out-" + Path.GetFileNameWithoutExtension(name) + ".mp4"),
                Output = new OutputSettings { Preset = Preset.H264Proxy540P },
            },
        })).Job;
    }

    private async Task<string> ReadWholeLogAsync(string jobId)
    {
        var text = new System.Text.StringBuilder();
        var token = "";
        for (var i = 0; i < 100; i++)
        {
            var page = await _farm.Jobs.GetTaskLogAsync(new GetTaskLogRequest { JobId = jobId, PageToken = token, PageSize = 4096 });
            text.Append(page.Text);
            token = page.NextPageToken;
            if (page.Complete) return text.ToString();
            if (page.Text.Length == 0) await Task.Delay(200);
        }

        throw new Xunit.Sdk.XunitException("the log never completed");
    }
}
