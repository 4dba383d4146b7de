using Google.Protobuf.WellKnownTypes;
using RenderFarm.Cli.Output;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Cli.Top;
using RenderFarm.Protos.V1;
using static RenderFarm.Cli.Tests.Support.SampleFarm;

namespace RenderFarm.Cli.Tests.Top;

public sealed class TopViewTests
{
    private const int Width = 120;

    private static readonly DateTimeOffset Now = Start.AddSeconds(20);

    private static FarmModel Model()
    {
        var model = new FarmModel();
        var stats = new GetQueueStatsResponse
        {
            OldestQueuedJobId = "q1",
            OldestQueuedAge = Duration.FromTimeSpan(TimeSpan.FromSeconds(172)),
            Jobs = { new JobStateCount { State = JobState.Succeeded, Count = 120 } },
        };
        var draining = Agent("render-03", AgentState.Draining, 1, Running("r2", 90, 12.5));
        draining.DrainReason = "kernel update";
        model.Apply(Snapshot(
            1,
            [Agent("render-07", AgentState.Busy, 4, Running("r1", 42, 30)), draining, Agent("render-11", AgentState.Idle, 2)],
            [
                SampleJobs.Running("r1", 42, 30, 1.2),
                SampleJobs.Running("r2", 90, 12.5, 0.5),
                Queued("q1", new WaitReason { Kind = WaitReason.Types.Kind.NoCapableAgent, Message = "no agent has encoder libx265" }, 5),
                Queued("q2", new WaitReason { Kind = WaitReason.Types.Kind.Dependency, JobIds = { "r1" } }, 1),
            ],
            stats));
        return model;
    }

    private static List<string> Lines(FarmModel model) =>
        PlainText.Render(TopView.Render(model, Now, TimeZoneInfo.Utc), Width)
            .Split('\n')
            .Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .ToList();

    [Fact]
    public void Render_AgentRows_ShowStateSlotsAndEachAttemptsJobProgressAndFps()
    {
        var lines = Lines(Model());

        var busy = Assert.Single(lines, l => l.StartsWith("render-07 ", StringComparison.Ordinal));
        Assert.Equal("render-07 busy 1/4 3.5 name-r1 ████░░░░░░ 42.0% 30 fps", busy);
        var draining = Assert.Single(lines, l => l.StartsWith("render-03 ", StringComparison.Ordinal));
        Assert.Equal("render-03 draining (kernel update) 1/1 3.5 name-r2 █████████░ 90.0% 12.5 fps", draining);
        Assert.Equal("render-11 idle 0/2 3.5 -", Assert.Single(lines, l => l.StartsWith("render-11 ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Render_Queue_CountsPerStateAndOldestQueued()
    {
        var lines = Lines(Model());

        Assert.Contains("jobs waiting 0 · queued 2 · running 2 · succeeded 120 · failed 0 · canceled 0", lines);
        Assert.Contains("tasks waiting 0 · queued 2 · assigned 0 · running 2", lines);
        Assert.Contains("oldest queued q1 name-q1, 3m 12s", lines);
        Assert.Contains("farm at 14:00:00 · 3 agent(s) connected · slots 2/7 busy · 4 active job(s)", lines);
    }

    [Fact]
    public void Render_ActiveJobs_RunningFirstAndQueuedOnesSayWhyTheyWait()
    {
        var lines = Lines(Model());

        var jobs = lines.Where(l => l.StartsWith("r1 ", StringComparison.Ordinal) || l.StartsWith("r2 ", StringComparison.Ordinal) || l.StartsWith("q", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, jobs.Count);
        Assert.StartsWith("r", jobs[0]);
        Assert.StartsWith("r", jobs[1]);
        Assert.Equal("q1 name-q1 queued ░░░░░░░░░░ 0.0% no agent has encoder libx265", jobs[2]);
        Assert.Equal("q2 name-q2 queued ░░░░░░░░░░ 0.0% waiting on job r1", jobs[3]);
        Assert.Contains("r1 name-r1 running ████░░░░░░ 42.0% 30 fps · 1.2x · 1/1 task(s) running", jobs);
    }

    [Fact]
    public void Render_EveryLineFitsTheWidth()
    {
        var text = PlainText.Render(TopView.Render(Model(), Now, TimeZoneInfo.Utc), 80);

        Assert.All(text.Split('\n'), line => Assert.True(line.TrimEnd().Length <= 80, line));
        Assert.Contains("render-07", text);
    }

    [Fact]
    public void Render_AfterAGap_HeaderSaysStaleUntilTheNextSnapshot()
    {
        var model = Model();
        model.Apply(JobChanged(5, SampleJobs.Succeeded("r1"), JobEvent.Types.Kind.Finished));

        Assert.Contains(Lines(model), l => l.EndsWith("stale: missed events 2-4; rejoining", StringComparison.Ordinal));

        model.Apply(Snapshot(9, [], []));
        Assert.DoesNotContain(Lines(model), l => l.Contains("stale", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_ManyJobs_ListsTheFirstAndCountsTheRest()
    {
        var model = new FarmModel();
        model.Apply(Snapshot(1, [], Enumerable.Range(0, 25).Select(i => SampleJobs.Job($"j{i:00}", JobState.Queued))));

        var lines = Lines(model);

        Assert.Contains("... and 5 more active job(s) (farmctl jobs)", lines);
        Assert.Equal(20, lines.Count(l => l.StartsWith('j') && !l.StartsWith("jobs", StringComparison.Ordinal)));
    }
}

public sealed class TopViewTimeLeftTests
{
    [Fact]
    public void Render_RunningJobAndAttemptWithTimeLeft_ShowTheEstimate()
    {
        var attempt = Running("r1", 42, 30);
        attempt.TimeLeft = Duration.FromTimeSpan(TimeSpan.FromSeconds(89.2));
        var job = SampleJobs.Running("r1", 42, 30, 1.2);
        job.TimeLeft = Duration.FromTimeSpan(TimeSpan.FromSeconds(150));
        var model = new FarmModel();
        model.Apply(Snapshot(1, [Agent("render-07", AgentState.Busy, 4, attempt)], [job]));

        var lines = PlainText.Render(TopView.Render(model, Start.AddSeconds(20), TimeZoneInfo.Utc), 140)
            .Split('\n').Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();

        Assert.Contains("render-07 busy 1/4 3.5 name-r1 ████░░░░░░ 42.0% 30 fps 1m30s left", lines);
        Assert.Contains("r1 name-r1 running ████░░░░░░ 42.0% 30 fps · 1.2x · 1/1 task(s) running · 2m30s left", lines);
    }
}
