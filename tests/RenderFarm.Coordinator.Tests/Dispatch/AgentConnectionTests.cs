using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Dispatch;

/// <summary>What the coordinator answers on one agent's stream, driven message by message (<see cref="ScriptedAgent"/>).</summary>
public sealed class AgentConnectionTests : IAsyncLifetime
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1.5);
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    private static bool IsAssignment(ConnectResponse m) => m.MessageCase == ConnectResponse.MessageOneofCase.Assignment;

    private async Task SubmitAsync(string name)
    {
        var input = Path.Combine(_farm.MediaDir, $"{name}.mp4");
        await TestClips.CopyAsync(TestClips.SdrAsync(), input);
        await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { Name = name, InputPath = input, OutputPath = Path.Combine(_farm.MediaDir, "out", $"{name}.mp4"), Output = new OutputSettings { Preset = Preset.H264Proxy540P } },
        });
    }

    [Fact]
    public async Task Reconnect_StillRunningAnAttemptItWasToldToStop_GetsNoWorkUntilItSaysThatAttemptEnded_AndARepeatedSlotMessageFreesNothing()
    {
        await SubmitAsync("first");
        await SubmitAsync("second");
        var credential = await ScriptedAgent.EnrollAsync(_farm, "one-slot");
        var agent = await ScriptedAgent.ConnectAsync(_farm, credential, "one-slot", 1);
        var stale = (await agent.NextAsync(IsAssignment, "the first assignment")).Assignment.AttemptId;
        await _farm.Farm.CancelAttemptAsync(new CancelAttemptRequest { AttemptId = stale, Reason = "test: take it away" });
        await agent.NextAsync(m => m.Cancel?.AttemptId == stale, "the cancel");
        await agent.DisposeAsync();

        // The agent comes back still running the attempt it was told to stop: that attempt holds its only slot.
        await using var again = await ScriptedAgent.ConnectAsync(_farm, credential, "one-slot", 1, stale);
        await again.NextAsync(m => m.Drop?.AttemptId == stale, "a drop of the stale attempt");
        await again.NothingAsync(IsAssignment, "an assignment while the stale attempt still holds the only slot", Quiet);

        await again.SendAsync(new ConnectRequest { Slots = new SlotsAvailable { FreedSlots = 1, AttemptId = stale } });
        var next = (await again.NextAsync(IsAssignment, "an assignment once the stale attempt ended")).Assignment.AttemptId;
        await again.SendAsync(new ConnectRequest { Slots = new SlotsAvailable { FreedSlots = 1, AttemptId = stale } });
        await again.SendAsync(new ConnectRequest { Slots = new SlotsAvailable { FreedSlots = 1 } });
        await again.NothingAsync(IsAssignment, "a second assignment to a 1-slot agent", Quiet);

        var listed = (await _farm.Farm.ListAgentsAsync(new ListAgentsRequest())).Agents.Single(a => a.Name == "one-slot");
        Assert.Equal([next], listed.RunningAttemptIds);
        Assert.Equal(0u, listed.FreeSlots);
    }

    [Fact]
    public async Task FinalReport_UnderAnAttemptThatIsNotTheAgents_IsAnsweredWithADropSoTheAgentForgetsIt()
    {
        await using var agent = await ScriptedAgent.ConnectAsync(_farm, await ScriptedAgent.EnrollAsync(_farm, "reporter"), "reporter", 1);

        await agent.SendAsync(new ConnectRequest { Failed = new TaskFailed { AttemptId = "att-nobody-knows", FailureClass = FailureClass.Transient, Message = "ffmpeg crashed" } });
        await agent.SendAsync(new ConnectRequest { Completed = new TaskCompleted { AttemptId = "att-nobody-knows-either" } });

        Assert.Contains("refused", (await agent.NextAsync(m => m.Drop?.AttemptId == "att-nobody-knows", "a drop of the refused failure")).Drop.Reason);
        await agent.NextAsync(m => m.Drop?.AttemptId == "att-nobody-knows-either", "a drop of the refused completion");
    }
}
