using System.Diagnostics;
using RenderFarm.Agent.Drain;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Drain;

public sealed class AgentDrainTests : IAsyncLifetime
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromMinutes(2);

    private readonly AgentRig _rig = new("drain", o => o.DrainTimeout = DrainTimeout);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private static int IndexOf(IReadOnlyList<ConnectRequest> messages, Func<ConnectRequest, bool> match) =>
        messages.Select((m, i) => (m, i)).First(p => match(p.m)).i;

    private static bool IsDraining(ConnectRequest m) => m.MessageCase == ConnectRequest.MessageOneofCase.Draining;

    private Task DrainingSentAsync() => _rig.Link.WaitForAsync(m => m.Any(IsDraining));

    private async Task<Assignment> StartLongRenderAsync(Preset preset, string output)
    {
        var work = await _rig.AssignmentAsync(TestClips.LongAsync(), output, preset);
        _rig.Runner.Start(work);
        await _rig.RenderingAsync(work.AttemptId);
        return work;
    }

    [Fact]
    public async Task RunAsync_RenderRunning_SendsDrainingRefusesNewWorkAndReportsTheFinishedRender()
    {
        _rig.Link.Connect();
        var work = await StartLongRenderAsync(Preset.H264Proxy540P, "finished.mp4");
        var late = await _rig.AssignmentAsync(TestClips.SdrAsync(), "late.mp4", Preset.H264Proxy540P);

        var drain = _rig.Drain.RunAsync(CancellationToken.None);
        await DrainingSentAsync();
        Assert.False(drain.IsCompleted);
        _rig.Runner.Start(late);
        await drain.WaitAsync(TimeSpan.FromSeconds(60));

        var messages = _rig.Link.Messages;
        var final = await _rig.Link.FinalAsync(work.AttemptId);
        Assert.Equal(ConnectRequest.MessageOneofCase.Completed, final.MessageCase);
        Assert.Equal(AgentDrain.Reason, messages.First(IsDraining).Draining.Reason);
        var refused = await _rig.Link.FinalAsync(late.AttemptId);
        Assert.Equal((FailureClass.Interrupted, AttemptRunner.ShuttingDown), (refused.Failed.FailureClass, refused.Failed.Message));
        Assert.True(IndexOf(messages, IsDraining) < IndexOf(messages, m => OutboxRecorder.IsFinal(m, work.AttemptId)));
        Assert.True(messages.Select((m, i) => (m, i)).Last(p => p.m.MessageCase == ConnectRequest.MessageOneofCase.Log).i < IndexOf(messages, m => OutboxRecorder.IsFinal(m, work.AttemptId)));
        Assert.Equal(600, await Ffprobe.CountFramesAsync(Path.Combine(_rig.Media, "finished.mp4")));
        Assert.False(File.Exists(Path.Combine(_rig.Media, "late.mp4")));
        Assert.True(_rig.Outbox.IsClosed);
    }

    [Fact]
    public async Task RunAsync_DrainTimeoutPasses_StopsTheRenderReportsInterruptedAndLeavesNoScratch()
    {
        _rig.Link.Connect();
        var work = await StartLongRenderAsync(Preset.HevcDelivery, "interrupted.mp4");

        var drain = _rig.Drain.RunAsync(CancellationToken.None);
        await DrainingSentAsync();
        _rig.Time.Advance(DrainTimeout - TimeSpan.FromSeconds(1));
        Assert.False(drain.IsCompleted);
        var stopwatch = Stopwatch.StartNew();
        _rig.Time.Advance(TimeSpan.FromSeconds(1));
        await drain.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
        var final = await _rig.Link.FinalAsync(work.AttemptId);
        Assert.Equal(FailureClass.Interrupted, final.Failed.FailureClass);
        Assert.Contains("drain timeout (00:02:00) passed", final.Failed.Message, StringComparison.Ordinal);
        Assert.Empty(_rig.ScratchFolders());
        Assert.False(File.Exists(Path.Combine(_rig.Media, "interrupted.mp4")));
        var lines = await File.ReadAllLinesAsync(_rig.Logs.PathFor(work.AttemptId));
        Assert.StartsWith($"{RenderPipeline.StepPrefix}interrupted: ", lines[^1], StringComparison.Ordinal);
        var sent = string.Concat(_rig.Link.Logs(work.AttemptId).Select(p => p.Text));
        Assert.Equal(await File.ReadAllTextAsync(_rig.Logs.PathFor(work.AttemptId)), sent);
    }

    [Fact]
    public async Task InterruptNow_WhileDraining_StopsTheRenderWithoutWaitingForTheTimeout()
    {
        _rig.Link.Connect();
        var work = await StartLongRenderAsync(Preset.HevcDelivery, "twice.mp4");

        var drain = _rig.Drain.RunAsync(CancellationToken.None);
        await DrainingSentAsync();
        _rig.Drain.InterruptNow();
        await drain.WaitAsync(TimeSpan.FromSeconds(30));

        var final = await _rig.Link.FinalAsync(work.AttemptId);
        Assert.Equal(FailureClass.Interrupted, final.Failed.FailureClass);
        Assert.Contains("told again to stop", final.Failed.Message, StringComparison.Ordinal);
        Assert.Empty(_rig.ScratchFolders());
    }

    [Fact]
    public async Task RunAsync_HostGivesUp_InterruptsAtOnce()
    {
        _rig.Link.Connect();
        var work = await StartLongRenderAsync(Preset.HevcDelivery, "host.mp4");
        using var host = new CancellationTokenSource();

        var drain = _rig.Drain.RunAsync(host.Token);
        await DrainingSentAsync();
        await host.CancelAsync();
        await drain.WaitAsync(TimeSpan.FromSeconds(30));

        var final = await _rig.Link.FinalAsync(work.AttemptId);
        Assert.Equal(FailureClass.Interrupted, final.Failed.FailureClass);
        Assert.Contains("shutdown timeout ran out", final.Failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NoCoordinator_EndsOnceTheWorkIsStopped()
    {
        var work = await _rig.AssignmentAsync(TestClips.LongAsync(), "offline.mp4", Preset.HevcDelivery);
        _rig.Runner.Start(work);
        await WaitUntilAsync(() => _rig.ScratchFolders().Count > 0);

        var drain = _rig.Drain.RunAsync(CancellationToken.None);
        _rig.Time.Advance(DrainTimeout);
        await drain.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Empty(_rig.Runner.RunningAttemptIds);
        Assert.Empty(_rig.ScratchFolders());
        Assert.True(_rig.Outbox.IsClosed);
    }

    [Fact]
    public async Task RunAsync_Idle_SendsDrainingAndClosesTheStreamAfterIt()
    {
        _rig.Link.Connect();

        await _rig.Drain.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ConnectRequest.MessageOneofCase.Draining, Assert.Single(_rig.Link.Messages).MessageCase);
        Assert.True(_rig.Outbox.IsClosed);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition()) await Task.Delay(20, limit.Token);
    }
}
