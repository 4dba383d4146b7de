using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;
using Kind = RenderFarm.Protos.V1.WaitReason.Types.Kind;

namespace RenderFarm.Coordinator.Tests.Cluster;

/// <summary>Two coordinators on one PostgreSQL database share a limit group: its count is the database's, not either coordinator's.</summary>
public sealed class LimitGroupAcrossCoordinatorsTests : IAsyncLifetime
{
    private FarmHost _a = null!;
    private FarmHost _b = null!;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Store:Provider"] = "Postgres",
            ["Store:ConnectionString"] = await TestPostgres.CreateDatabaseAsync(),
            ["Coordinator:Limits:prores-licence"] = "1",
            // Scripted agents renew no lease: keep every assignment running for the whole test.
            ["Coordinator:LeaseDuration"] = "00:05:00",
        };
        _a = await FarmHost.StartAsync(settings);
        _b = await FarmHost.StartAsync(new Dictionary<string, string?>(settings) { ["Coordinator:MediaRoots:media"] = _a.MediaDir }, _a.Credentials);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static bool IsAssignment(ConnectResponse m) => m.MessageCase == ConnectResponse.MessageOneofCase.Assignment;

    [Fact]
    public async Task LimitGroup_FullThroughOneCoordinator_HoldsBackTheOthersAgentWithFreeSlots()
    {
        var ids = new List<string>();
        foreach (var name in new[] { "licensed-1", "licensed-2" })
        {
            var input = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_a.MediaDir, $"{name}.mp4"));
            ids.Add((await _a.Jobs.SubmitJobAsync(new SubmitJobRequest
            {
                Spec = new JobSpec { Name = name, InputPath = input, OutputPath = $"out/{name}.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P }, LimitGroup = "prores-licence" },
            })).Job.Id);
        }

        await using var one = await ScriptedAgent.ConnectAsync(_a, await ScriptedAgent.EnrollAsync(_a, "on-a"), "on-a", 2);
        var first = (await one.NextAsync(IsAssignment, "the first licensed task")).Assignment;
        await one.NothingAsync(IsAssignment, "a second task of a group limited to 1", TimeSpan.FromSeconds(1));

        await using var two = await ScriptedAgent.ConnectAsync(_b, await ScriptedAgent.EnrollAsync(_b, "on-b"), "on-b", 2);
        await two.NothingAsync(IsAssignment, "the held task on the other coordinator's agent", TimeSpan.FromSeconds(2));

        var held = ids.Single(id => id != first.JobId);
        var job = await _b.WaitForJobAsync(held, j => j.Tasks.Count > 0 && j.Tasks[0].WaitReason?.Kind == Kind.LimitGroup, TimeSpan.FromSeconds(20));
        Assert.Equal("limit group prores-licence is full (1/1)", job.Tasks[0].WaitReason.Message);
        Assert.Equal(JobState.Queued, job.State);
    }
}
