using Google.Protobuf.WellKnownTypes;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Commands;

/// <summary>`agents` and `stats`: the FarmService commands.</summary>
public sealed class FarmCommandsTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    private static GetQueueStatsResponse Stats()
    {
        var stats = new GetQueueStatsResponse
        {
            OldestQueuedAge = Duration.FromTimeSpan(TimeSpan.FromSeconds(192)),
            OldestQueuedJobId = "j42",
            ConnectedAgents = 3,
            TotalSlots = 12,
            BusySlots = 7,
        };
        stats.Jobs.Add(new JobStateCount { State = JobState.Queued, Count = 17 });
        stats.Jobs.Add(new JobStateCount { State = JobState.Running, Count = 4 });
        return stats;
    }

    [Fact]
    public async Task Agents_Table_ShowsEachAgent()
    {
        var agent = new AgentInfo
        {
            Id = "ag-1", Name = "render-07", State = AgentState.Busy, Cores = 16, MemoryBytes = 64UL << 30,
            FfmpegVersion = "7.1", Slots = 4, FreeSlots = 1, LoadAverage = 11.5,
            LastSeenTime = Timestamp.FromDateTimeOffset(SampleJobs.Created),
        };
        agent.Tags.Add("gpu");
        _farmctl.Farm.Agents = new ListAgentsResponse { Agents = { agent } };

        var result = await _farmctl.RunAsync("agents");

        var row = Assert.Single(result.Out.Split('\n'), l => l.Contains("render-07", StringComparison.Ordinal));
        foreach (var cell in new[] { "ag-1", "busy", "3/4", "16", "64.0 GiB", "11.5", "7.1", "gpu", "2025-11-24 09:30:00" })
        {
            Assert.Contains(cell, row);
        }
    }

    [Fact]
    public async Task Agents_Disconnected_ShowsNoSlotBusy()
    {
        // The coordinator counts no free slot for an agent that left; that is not "busy 1/1".
        _farmctl.Farm.Agents = new ListAgentsResponse { Agents = { new AgentInfo { Id = "gone", Name = "gone", State = AgentState.Disconnected, Slots = 1, FreeSlots = 0 } } };

        var result = await _farmctl.RunAsync("agents");

        var row = Assert.Single(result.Out.Split('\n'), l => l.Contains("gone", StringComparison.Ordinal));
        Assert.Contains("disconnected", row);
        Assert.Contains("0/1", row);
        Assert.DoesNotContain("1/1", row);
    }

    [Fact]
    public async Task Agents_SpareMachines_SayWhyEachTakesNoWork()
    {
        var away = new AgentInfo { Id = "ws01", Name = "ws01", State = AgentState.Away, AwayReason = "outside hours until 19:00", Slots = 1, FreeSlots = 1 };
        var owner = new AgentInfo { Id = "ws02", Name = "ws02", State = AgentState.Away, AwayReason = "owner active for 3 min", Slots = 1, FreeSlots = 1 };
        var paused = new AgentInfo { Id = "ws03", Name = "ws03", State = AgentState.Paused, AwayReason = "paused: attempt att-1 suspended 40 s", Slots = 1 };
        paused.PausedAttemptIds.Add("att-1");
        _farmctl.Farm.Agents = new ListAgentsResponse { Agents = { away, owner, paused } };

        var result = await _farmctl.RunAsync("agents");

        var text = string.Join(' ', result.Out.Split((char[])[' ', '\n', '│', '|'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("away (outside hours until 19:00)", text);
        Assert.Contains("away (owner active for 3 min)", text);
        Assert.Contains("paused: attempt att-1 suspended 40 s", text);
    }

    [Fact]
    public async Task Stats_Text_ShowsCountsForEveryStateAgeAndSlots()
    {
        _farmctl.Farm.Stats = Stats();

        var result = await _farmctl.RunAsync("stats");

        var lines = result.Out.Split('\n').Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();
        Assert.Contains("jobs queued 17", lines);
        Assert.Contains("jobs running 4", lines);
        Assert.Contains("jobs failed 0", lines);
        Assert.Contains("oldest queued 3m 12s (job j42)", lines);
        Assert.Contains("agents connected 3", lines);
        Assert.Contains("slots busy/total 7/12", lines);
    }

    [Fact]
    public async Task Stats_Json_RoundTripsToTheResponse()
    {
        _farmctl.Farm.Stats = Stats();

        var result = await _farmctl.RunAsync("stats", "--json");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal(Stats(), GetQueueStatsResponse.Parser.ParseJson(result.Out));
    }

    [Fact]
    public async Task Stats_Text_ShowsTaskCountsAndThroughputPerWindow()
    {
        var stats = Stats();
        stats.Tasks.Add(new TaskStateCount { State = TaskState.Queued, Count = 31 });
        stats.Tasks.Add(new TaskStateCount { State = TaskState.Running, Count = 7 });
        stats.Throughput.Add(new Throughput
        {
            Window = Duration.FromTimeSpan(TimeSpan.FromMinutes(5)), TasksSucceeded = 40, TasksFailed = 2, Frames = 72000, FramesPerSecond = 240, TasksPerMinute = 8.4,
        });
        stats.Throughput.Add(new Throughput
        {
            Window = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)), TasksSucceeded = 9, TasksFailed = 0, Frames = 14400, FramesPerSecond = 240.5, TasksPerMinute = 9,
        });
        _farmctl.Farm.Stats = stats;

        var result = await _farmctl.RunAsync("stats");

        var lines = result.Out.Split('\n').Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();
        Assert.Contains("tasks queued 31", lines);
        Assert.Contains("tasks running 7", lines);
        Assert.Contains("tasks failed 0", lines);
        Assert.Contains("WINDOW SUCCEEDED FAILED FRAMES TASKS/MIN FRAMES/S", lines);
        var windows = lines.Where(l => l.StartsWith("last ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["last 1m 9 0 14400 9.0 240.5", "last 5m 40 2 72000 8.4 240.0"], windows);
    }
}
