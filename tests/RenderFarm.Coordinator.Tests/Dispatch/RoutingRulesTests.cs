using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;
using Kind = RenderFarm.Protos.V1.WaitReason.Types.Kind;

namespace RenderFarm.Coordinator.Tests.Dispatch;

/// <summary>
/// Routing (docs/routing.md) on a real coordinator, with agents driven message by message: required tags, pools in the
/// order an agent serves them, farm-wide limit groups counted from the database, and the wait reason naming each rule.
/// </summary>
public sealed class RoutingRulesTests : IAsyncLifetime
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1.5);
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync(new Dictionary<string, string?>
    {
        ["Coordinator:Limits:prores-licence"] = "2",
        // Scripted agents renew no lease: keep every assignment running for the whole test.
        ["Coordinator:LeaseDuration"] = "00:05:00",
        ["Coordinator:Chunking:MinInputDuration"] = "00:00:00",
    });

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    private static bool IsAssignment(ConnectResponse m) => m.MessageCase == ConnectResponse.MessageOneofCase.Assignment;

    private async Task<string> SubmitAsync(string name, Action<JobSpec>? route = null, int priority = 0)
    {
        var input = Path.Combine(_farm.MediaDir, $"{name}.mp4");
        await TestClips.CopyAsync(TestClips.SdrAsync(), input);
        var spec = new JobSpec
        {
            Name = name, InputPath = input, OutputPath = Path.Combine(_farm.MediaDir, "out", $"{name}.mp4"), Priority = priority,
            Output = new OutputSettings { Preset = Preset.H264Proxy540P },
        };
        route?.Invoke(spec);
        return (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = spec })).Job.Id;
    }

    private async Task<ScriptedAgent> ConnectAsync(string name, uint slots, string[]? tags = null, string[]? pools = null) =>
        await ScriptedAgent.ConnectAsync(_farm, await ScriptedAgent.EnrollAsync(_farm, name), name, slots, hello =>
        {
            hello.Tags.AddRange(tags ?? []);
            hello.Pools.AddRange(pools ?? []);
        });

    private async Task<WaitReason> WaitReasonAsync(string jobId, Kind kind)
    {
        var job = await _farm.WaitForJobAsync(jobId, j => j.Tasks.Count > 0 && j.Tasks[0].WaitReason?.Kind == kind, TimeSpan.FromSeconds(20));
        return job.Tasks[0].WaitReason;
    }

    [Fact]
    public async Task RequiredTag_OnlyAnAgentWithTheTagGetsTheJob_AndTheWaitReasonNamesTheTag()
    {
        var job = await SubmitAsync("needs-gpu", s => s.RequiredTags.Add("gpu"));
        await using var plain = await ConnectAsync("plain", 1, tags: ["cpu"]);

        await plain.NothingAsync(IsAssignment, "the gpu job to an agent without the tag", Quiet);
        Assert.Equal("needs tag gpu: no connected agent has it", (await WaitReasonAsync(job, Kind.NeedsTag)).Message);

        await using var gpu = await ConnectAsync("gpu-box", 1, tags: ["gpu", "cpu"]);
        Assert.Equal(job, (await gpu.NextAsync(IsAssignment, "the gpu job")).Assignment.JobId);
        Assert.Equal("gpu-box", (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = job })).Job.Tasks[0].Attempts.Single().AgentId);
    }

    [Fact]
    public async Task Pool_AnAgentServesItsFirstPoolBeforeItsSecond_AndBeforeHigherPriorityWorkThatNamesNoPool()
    {
        var loose = await SubmitAsync("no-pool", priority: 100);
        var day = await SubmitAsync("day-work", s => s.Pool = "day", priority: 50);
        var night = await SubmitAsync("night-work", s => s.Pool = "night");

        await using var agent = await ConnectAsync("night-box", 1, pools: ["night", "day"]);
        var first = (await agent.NextAsync(IsAssignment, "the first assignment")).Assignment;
        Assert.Equal(night, first.JobId);
        await agent.SendAsync(new ConnectRequest { Slots = new SlotsAvailable { FreedSlots = 1, AttemptId = first.AttemptId } });
        var second = (await agent.NextAsync(IsAssignment, "the second assignment")).Assignment;
        Assert.Equal(day, second.JobId);
        await agent.SendAsync(new ConnectRequest { Slots = new SlotsAvailable { FreedSlots = 1, AttemptId = second.AttemptId } });
        Assert.Equal(loose, (await agent.NextAsync(IsAssignment, "the third assignment")).Assignment.JobId);
    }

    [Fact]
    public async Task Pool_AJobNamingAPoolWaitsForAnAgentInIt_AndSaysSo()
    {
        var job = await SubmitAsync("night-only", s => s.Pool = "night");
        await using var plain = await ConnectAsync("day-box", 1, pools: ["day"]);

        await plain.NothingAsync(IsAssignment, "a night job to an agent outside the pool", Quiet);
        Assert.Equal("pool night: no connected agent is in it", (await WaitReasonAsync(job, Kind.Pool)).Message);
    }

    [Fact]
    public async Task LimitGroup_AtMostTheLimitRunsAtOnce_CountedFromTheDatabaseEvenAfterTheAgentLeaves()
    {
        var jobs = new List<string>();
        for (var i = 0; i < 3; i++) jobs.Add(await SubmitAsync($"prores-{i}", s => s.LimitGroup = "ProRes-Licence"));

        var first = await ConnectAsync("big", 3);
        await first.NextAsync(IsAssignment, "the first licensed task");
        await first.NextAsync(IsAssignment, "the second licensed task");
        await first.NothingAsync(IsAssignment, "a third task of a group limited to 2", Quiet);
        var held = (await Task.WhenAll(jobs.Select(id => _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = id }).ResponseAsync)))
            .Single(r => r.Job.State == JobState.Queued).Job.Id;
        Assert.Equal("limit group prores-licence is full (2/2)", (await WaitReasonAsync(held, Kind.LimitGroup)).Message);

        // The agent's link is cut: its two attempts are still running in the database (their leases have not run out),
        // so a fresh agent with free slots still gets nothing of the group.
        await first.DisposeAsync();
        await using var second = await ConnectAsync("fresh", 3);
        await second.NothingAsync(IsAssignment, "a task of a full group after the holder's link was cut", Quiet);
        Assert.Equal(JobState.Queued, (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = held })).Job.State);
    }

    [Fact]
    public async Task LimitGroup_ThatIsNotConfigured_IsRefusedAtSubmissionNamingTheConfiguredGroups()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => SubmitAsync("unknown-group", s => s.LimitGroup = "dolby"));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("spec.limit_group: 'dolby' is not a limit group of this farm; configured: prores-licence", refused.Status.Detail);
    }

    [Fact]
    public async Task MaxAgents_AChunkedJobRunsOnAtMostThatManyAgentsAtOnce_WhileMoreAreIdle()
    {
        for (var i = 0; i < 3; i++) await _farm.StartAgentAsync($"render-{i}");
        var input = await TestClips.CopyAsync(TestClips.ChunkableAsync(), Path.Combine(_farm.MediaDir, "capped.mp4"));
        var spec = new JobSpec
        {
            Name = "capped", InputPath = input, OutputPath = Path.Combine(_farm.MediaDir, "out", "capped.mp4"), MaxAgents = 2,
            Output = new OutputSettings { Preset = Preset.H264Delivery, FrameRateMode = FrameRateMode.Constant, FrameRate = "30" },
            ChunkDuration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
        };
        var id = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = spec })).Job.Id;
        var done = await _farm.WaitForJobAsync(id, j => j.State is JobState.Succeeded or JobState.Failed or JobState.Canceled, TimeSpan.FromMinutes(3));
        Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}");
        Assert.Equal(180, await Ffprobe.CountFramesAsync(spec.OutputPath));

        // At the start of every attempt, the agents whose attempts of this job were running then: never more than 2.
        var attempts = done.Tasks.SelectMany(t => t.Attempts).ToList();
        Assert.True(done.Tasks.Count(t => t.Kind == TaskKind.Chunk) >= 5, $"{done.Tasks.Count} task(s)");
        var most = attempts.Max(a => attempts
            .Where(b => b.StartTime.ToDateTimeOffset() <= a.StartTime.ToDateTimeOffset() && a.StartTime.ToDateTimeOffset() < b.EndTime.ToDateTimeOffset())
            .Select(b => b.AgentId).Distinct().Count());
        Assert.InRange(most, 1, 2);
    }
}
