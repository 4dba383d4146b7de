using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Link;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Execution;

/// <summary>
/// An output is renamed into place only when the coordinator confirms the attempt still holds its lease, and
/// what earlier attempts of the task left beside it is cleared first.
/// </summary>
public sealed class PublishPermissionTests : IDisposable
{
    private readonly TempDir _dir = new("publish");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Refused_PublishesNothing_AndLeavesNoScratch()
    {
        var output = _dir.File("out.mp4");
        var pipeline = new RenderPipeline(NullLogger<RenderPipeline>.Instance);
        var request = new RenderRequest("p1", await TestClips.SdrAsync(), output, null, new OutputSettings { Preset = Preset.H264Proxy540P }, null, false,
            (_, _) => Task.FromResult<string?>("the lease on this attempt has ended"));

        var refused = await Assert.ThrowsAsync<PublishRefusedException>(() => pipeline.RunAsync(request, _ => { }, CancellationToken.None));

        Assert.Contains("lease", refused.Message);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetDirectories(_dir.Path, RenderPipeline.ScratchPrefix + "*"));
    }

    [Fact]
    public async Task Granted_PublishesTheVerifiedOutput_OnlyAfterTheAnswer()
    {
        var output = _dir.File("out.mp4");
        var asked = new TaskCompletionSource();
        var answer = new TaskCompletionSource<string?>();
        var pipeline = new RenderPipeline(NullLogger<RenderPipeline>.Instance);
        var request = new RenderRequest("p2", await TestClips.SdrAsync(), output, null, new OutputSettings { Preset = Preset.H264Proxy540P }, null, false,
            (_, _) => { asked.TrySetResult(); return answer.Task; });

        var run = pipeline.RunAsync(request, _ => { }, CancellationToken.None);
        await asked.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(File.Exists(output));

        answer.SetResult(null);
        var info = await run;
        Assert.Equal((long)info.FrameCount, await Ffprobe.CountFramesAsync(output));
    }

    [Fact]
    public async Task LeftoverScratchOfAnEndedAttempt_IsRemovedBeforeRendering_OthersAreKept()
    {
        var output = _dir.File("out.mp4");
        var leftover = Directory.CreateDirectory(_dir.File(RenderPipeline.ScratchPrefix + "att-killed")).FullName;
        await File.WriteAllTextAsync(Path.Combine(leftover, "output.mp4"), "half a render");
        var unrelated = Directory.CreateDirectory(_dir.File(RenderPipeline.ScratchPrefix + "att-other-task")).FullName;
        var pipeline = new RenderPipeline(NullLogger<RenderPipeline>.Instance);

        await pipeline.RunAsync(new RenderRequest("p3", await TestClips.SdrAsync(), output, null, new OutputSettings { Preset = Preset.H264Proxy540P }, null, false,
            EndedAttempts: ["att-killed"]), _ => { }, CancellationToken.None);

        Assert.False(Directory.Exists(leftover));
        Assert.True(Directory.Exists(unrelated));
        Assert.True(File.Exists(output));
    }

    [Fact]
    public async Task Permits_AskAgainWhileUnanswered_AndReturnTheCoordinatorsAnswer()
    {
        var time = new FakeTimeProvider();
        var outbox = new AgentOutbox(time);
        var sent = outbox.Connect();
        var permits = new PublishPermits(outbox, time);

        var ask = permits.AskAsync("a-1", null, CancellationToken.None);
        time.Advance(PublishPermits.AskAgainEvery);
        time.Advance(PublishPermits.AskAgainEvery);
        await Task.Delay(50);
        permits.Answer(new PublishGrant { AttemptId = "a-1", Granted = false, Reason = "lease ended" });

        Assert.Equal("lease ended", await ask.WaitAsync(TimeSpan.FromSeconds(5)));
        var questions = new List<ConnectRequest>();
        while (sent.TryRead(out var message))
        {
            if (message.MessageCase == ConnectRequest.MessageOneofCase.Publish) questions.Add(message);
        }

        Assert.True(questions.Count >= 2, $"asked {questions.Count} time(s)");
        Assert.All(questions, q => Assert.Equal("a-1", q.Publish.AttemptId));
    }
}
