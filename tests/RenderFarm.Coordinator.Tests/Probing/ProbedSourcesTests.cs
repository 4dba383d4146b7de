using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Probing;

/// <summary>
/// The coordinator's side of probe reuse, driven over a real agent stream (<see cref="ScriptedAgent"/>): stamped facts a
/// completed render reported go, with their stamp, to later render tasks on the same input, after a restart too, and to
/// no task on another input.
/// </summary>
public sealed class ProbedSourcesTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    private static bool IsAssignment(ConnectResponse m) => m.MessageCase == ConnectResponse.MessageOneofCase.Assignment;

    private static SourceFacts Facts(long ctime, SourceStamp? stamp = null) => new()
    {
        Width = 320, Height = 180, DurationSeconds = 2, VideoCodec = "hevc", PixelFormat = "yuv420p10le", BitDepth = 10,
        ColorPrimaries = "bt2020", ColorTransfer = "arib-std-b67", ColorSpace = "bt2020nc", ColorRange = "tv",
        RealFrameRate = "30/1", AverageFrameRate = "45/2", FrameCount = 45, HasAudio = true, AudioCodec = "aac", SizeBytes = 12345,
        Stamp = stamp ?? new SourceStamp { MtimeNs = 1_700_000_000_000_000_000, CtimeNs = ctime },
    };

    private async Task<string> InputAsync(string name) => await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, name));

    private async Task<Assignment> RenderAsync(ScriptedAgent agent, string input, string output, SourceFacts? probed)
    {
        await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec
            {
                Name = output, InputPath = input, OutputPath = Path.Combine(_farm.MediaDir, "out", output), Output = new OutputSettings { Preset = Preset.H264Proxy540P },
            },
        });
        var work = (await agent.NextAsync(IsAssignment, $"the assignment of {output}")).Assignment;
        await agent.SendAsync(new ConnectRequest
        {
            Completed = new TaskCompleted
            {
                AttemptId = work.AttemptId, ProbedSource = probed,
                Output = new OutputInfo { Path = work.Output.Path, SizeBytes = 1000, FrameCount = 45, Sha256 = new string('a', 64), VideoCodec = "h264", Width = 320, Height = 180 },
            },
        });
        await agent.SendAsync(new ConnectRequest { Slots = new SlotsAvailable { FreedSlots = 1, AttemptId = work.AttemptId } });
        await _farm.WaitForJobAsync(work.JobId, j => j.State == JobState.Succeeded, TimeSpan.FromSeconds(20));
        return work;
    }

    [Fact]
    public async Task Dispatch_LaterTaskOnTheSameInput_CarriesTheStampedFactsReported_AndAnotherInputGetsNone()
    {
        var clip = await InputAsync("clip.mp4");
        var other = await InputAsync("other.mp4");
        var credential = await ScriptedAgent.EnrollAsync(_farm, "agent-a");
        var agent = await ScriptedAgent.ConnectAsync(_farm, credential, "agent-a", 1);
        var probed = Facts(ctime: 1_700_000_000_123_456_789);

        var first = await RenderAsync(agent, clip, "first.mp4", probed);
        var second = await RenderAsync(agent, clip, "second.mp4", probed: null);
        var elsewhere = await RenderAsync(agent, other, "other.mp4", probed: null);

        Assert.Null(first.KnownSource);
        Assert.Equal(probed, second.KnownSource);
        Assert.Null(elsewhere.KnownSource);

        // Kept in the farm's database: after a restart the next task on the input still gets them.
        await agent.DisposeAsync();
        await _farm.StopCoordinatorAsync();
        await _farm.StartCoordinatorAsync();
        await using var again = await ScriptedAgent.ConnectAsync(_farm, credential, "agent-a", 1);
        Assert.Equal(probed, (await RenderAsync(again, clip, "after-restart.mp4", probed: null)).KnownSource);
    }

    [Fact]
    public async Task Dispatch_LatestFactsWin_AndFactsWithoutAnIdentityAreNotKept()
    {
        var clip = await InputAsync("clip.mp4");
        var bare = await InputAsync("bare.mp4");
        await using var agent = await ScriptedAgent.ConnectAsync(_farm, await ScriptedAgent.EnrollAsync(_farm, "agent-a"), "agent-a", 1);
        var older = Facts(ctime: 1_700_000_000_000_000_001);
        var newer = Facts(ctime: 1_700_000_100_000_000_002);
        var unstamped = Facts(ctime: 0);
        unstamped.Stamp = null;

        await RenderAsync(agent, clip, "one.mp4", older);
        await RenderAsync(agent, clip, "two.mp4", newer);
        await RenderAsync(agent, bare, "bare-one.mp4", unstamped);

        Assert.Equal(newer, (await RenderAsync(agent, clip, "three.mp4", probed: null)).KnownSource);
        Assert.Null((await RenderAsync(agent, bare, "bare-two.mp4", probed: null)).KnownSource);
    }
}
