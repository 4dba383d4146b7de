using System.Diagnostics;
using System.Text;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Execution;

public sealed class AttemptRunnerTests : IAsyncLifetime
{
    private readonly AgentRig _rig = new("runner");

    public Task InitializeAsync()
    {
        _rig.Link.Connect();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private static int IndexOf(IReadOnlyList<ConnectRequest> messages, Func<ConnectRequest, bool> match) =>
        messages.Select((m, i) => (m, i)).First(p => match(p.m)).i;

    [Fact]
    public async Task Start_Render_WritesTheAttemptLogWithFfmpegsLinesAndItsArguments()
    {
        var work = await _rig.AssignmentAsync(TestClips.SdrAsync(), "proxy.mp4", Preset.H264Proxy540P);

        _rig.Runner.Start(work);
        var final = await _rig.Link.FinalAsync(work.AttemptId);

        Assert.Equal(ConnectRequest.MessageOneofCase.Completed, final.MessageCase);
        var arguments = _rig.PipelineLogger.Messages.Single(m => m.Contains(": ffmpeg ", StringComparison.Ordinal));
        arguments = arguments[(arguments.IndexOf(": ffmpeg ", StringComparison.Ordinal) + ": ffmpeg ".Length)..];
        var lines = await File.ReadAllLinesAsync(_rig.Logs.PathFor(work.AttemptId));
        Assert.Contains(lines, l => l.StartsWith(RenderPipeline.StepPrefix, StringComparison.Ordinal) && l.EndsWith(" " + arguments, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Input #0", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Stream mapping:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("libx264", StringComparison.Ordinal) && !l.StartsWith(RenderPipeline.StepPrefix, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("frame=", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(RenderPipeline.StepPrefix + "probed h264", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(RenderPipeline.StepPrefix + "verified h264", StringComparison.Ordinal));
        Assert.Equal(RenderPipeline.StepPrefix + "completed", lines[^1]);
    }

    [Fact]
    public async Task Start_Render_SendsTheLogInContiguousPiecesThatMakeUpTheFileBeforeTheReport()
    {
        var work = await _rig.AssignmentAsync(TestClips.SdrAsync(), "pieces.mp4", Preset.H264Proxy540P);

        _rig.Runner.Start(work);
        await _rig.PumpClockAsync(_rig.Link.FinalAsync(work.AttemptId), TimeSpan.FromMilliseconds(250));

        var messages = _rig.Link.Messages;
        var pieces = _rig.Link.Logs(work.AttemptId);
        var final = IndexOf(messages, m => OutboxRecorder.IsFinal(m, work.AttemptId));
        var lastPiece = messages.Select((m, i) => (m, i)).Last(p => p.m.MessageCase == ConnectRequest.MessageOneofCase.Log).i;
        Assert.True(pieces.Count >= 2, $"{pieces.Count} pieces");
        Assert.True(lastPiece < final, "a log piece came after the final report");
        ulong next = 0;
        foreach (var piece in pieces)
        {
            Assert.Equal(next, piece.Offset);
            next += (ulong)Encoding.UTF8.GetByteCount(piece.Text);
        }

        var file = await File.ReadAllBytesAsync(_rig.Logs.PathFor(work.AttemptId));
        Assert.Equal((ulong)file.Length, next);
        Assert.Equal(Encoding.UTF8.GetString(file), string.Concat(pieces.Select(p => p.Text)));
    }

    [Fact]
    public async Task Start_Render_GivesItsSlotBackOnceWhenFfmpegEnds_BeforeTheVerifiedOutputIsReported()
    {
        var work = await _rig.AssignmentAsync(TestClips.SdrAsync(), "early-slot.mp4", Preset.H264Proxy540P);

        _rig.Runner.Start(work);
        var final = await _rig.Link.FinalAsync(work.AttemptId);
        await _rig.Runner.WhenIdleAsync();

        // One credit naming the attempt, sent before its report: the coordinator can hand out the next task while this
        // one is verified, and never counts the slot twice.
        var messages = _rig.Link.Messages;
        var credits = messages.Select((m, i) => (m, i)).Where(p => p.m.MessageCase == ConnectRequest.MessageOneofCase.Slots).ToList();
        var credit = Assert.Single(credits);
        Assert.Equal((1u, work.AttemptId), (credit.m.Slots.FreedSlots, credit.m.Slots.AttemptId));
        Assert.True(credit.i < IndexOf(messages, m => OutboxRecorder.IsFinal(m, work.AttemptId)), "the slot came back after the report");
        // ...and the output was still verified and published whole.
        Assert.Equal(ConnectRequest.MessageOneofCase.Completed, final.MessageCase);
        var phases = final.Completed.Timeline.Phases.Select(p => p.Name).ToList();
        Assert.True(phases.IndexOf("ffmpeg") < phases.IndexOf("verify") && phases.IndexOf("verify") < phases.IndexOf("rename"), string.Join(",", phases));
        var published = Path.Combine(_rig.Media, "early-slot.mp4");
        Assert.Equal((ulong)new FileInfo(published).Length, final.Completed.Output.SizeBytes);
        Assert.True(final.Completed.Output.FrameCount > 0);
    }

    [Fact]
    public async Task Start_MissingInput_LogEndsWithTheFailureWhichIsSentBeforeTaskFailed()
    {
        var work = await _rig.AssignmentAsync(TestClips.SdrAsync(), "never.mp4", Preset.H264Proxy540P);
        work.Input.Path = "missing.mov";

        _rig.Runner.Start(work);
        var final = await _rig.Link.FinalAsync(work.AttemptId);

        Assert.Equal(FailureClass.BadInput, final.Failed.FailureClass);
        var pieces = _rig.Link.Logs(work.AttemptId);
        var text = string.Concat(pieces.Select(p => p.Text));
        Assert.EndsWith($"{RenderPipeline.StepPrefix}failed (BadInput): input missing.mov does not exist\n", text, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllTextAsync(_rig.Logs.PathFor(work.AttemptId)), text);
        var messages = _rig.Link.Messages;
        Assert.True(IndexOf(messages, m => m.MessageCase == ConnectRequest.MessageOneofCase.Log) < IndexOf(messages, m => OutboxRecorder.IsFinal(m, work.AttemptId)));
    }

    [Fact]
    public async Task Start_WhileDraining_AnswersInterruptedAndReturnsTheSlot()
    {
        var work = await _rig.AssignmentAsync(TestClips.SdrAsync(), "refused.mp4", Preset.H264Proxy540P);
        _rig.Runner.BeginDrain("agent shutting down");

        _rig.Runner.Start(work);
        var final = await _rig.Link.FinalAsync(work.AttemptId);

        Assert.Equal((FailureClass.Interrupted, AttemptRunner.ShuttingDown), (final.Failed.FailureClass, final.Failed.Message));
        await _rig.Link.WaitForAsync(m => m.Any(r => r.MessageCase == ConnectRequest.MessageOneofCase.Slots && r.Slots.FreedSlots == 1));
        Assert.Empty(_rig.Runner.RunningAttemptIds);
        Assert.False(File.Exists(Path.Combine(_rig.Media, "refused.mp4")));
        Assert.False(File.Exists(_rig.Logs.PathFor(work.AttemptId)));
    }

    [Fact]
    public async Task Stop_WhileRendering_StopsFfmpegSendsNoReportAndLeavesNoScratch()
    {
        var work = await _rig.AssignmentAsync(TestClips.LongAsync(), "canceled.mp4", Preset.HevcDelivery);
        _rig.Runner.Start(work);
        await _rig.RenderingAsync(work.AttemptId);
        Assert.NotEmpty(_rig.ScratchFolders());
        var stopwatch = Stopwatch.StartNew();

        _rig.Runner.Stop(work.AttemptId, "the job was canceled");
        await _rig.Runner.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        await _rig.Link.WaitForAsync(m => m.Any(r => r.MessageCase == ConnectRequest.MessageOneofCase.Slots));
        Assert.DoesNotContain(_rig.Link.Messages, m => OutboxRecorder.IsFinal(m, work.AttemptId));
        Assert.Empty(_rig.ScratchFolders());
        Assert.False(File.Exists(Path.Combine(_rig.Media, "canceled.mp4")));
        var lines = await File.ReadAllLinesAsync(_rig.Logs.PathFor(work.AttemptId));
        Assert.Equal($"{RenderPipeline.StepPrefix}stopped: the job was canceled; nothing was published", lines[^1]);
    }
}
