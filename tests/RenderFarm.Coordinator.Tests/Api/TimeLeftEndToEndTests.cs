using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;
using Xunit.Abstractions;

namespace RenderFarm.Coordinator.Tests.Api;

/// <summary>The estimate of time left, as WatchJob, GetJob and ListAgents show it for a real render, against the time it really took.</summary>
public sealed class TimeLeftEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task WatchJob_RealRender_EstimatesTheTimeLeftWithinAFactorOfTwo()
    {
        await _farm.StartAgentAsync("agent-a");
        var input = await TestClips.CopyAsync(TestClips.LongAsync(), Path.Combine(_farm.MediaDir, "long.mp4"));
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { InputPath = input, OutputPath = Path.Combine(_farm.MediaDir, "slow.mp4"), Output = new OutputSettings { Preset = Preset.Av1Delivery, Crf = 20 } },
        })).Job;

        var seen = new List<(DateTimeOffset At, double Percent, TimeSpan? Left)>();
        var agentEstimate = false;
        var taskEstimate = false;
        using (var watch = _farm.Jobs.WatchJob(new WatchJobRequest { JobId = job.Id }))
        using (var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            while (await watch.ResponseStream.MoveNext(deadline.Token))
            {
                var update = watch.ResponseStream.Current.Job;
                seen.Add((DateTimeOffset.UtcNow, update.Percent, update.TimeLeft?.ToTimeSpan()));
                if (update.State != JobState.Running || (agentEstimate && taskEstimate) || update.Percent < 20) continue;
                agentEstimate |= (await _farm.Farm.ListAgentsAsync(new ListAgentsRequest())).Agents.Single().Running.SingleOrDefault()?.TimeLeft is not null;
                taskEstimate |= (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = job.Id })).Job.Tasks.Single().TimeLeft is not null;
            }
        }

        Assert.Equal(JobState.Succeeded, (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = job.Id })).Job.State);
        Assert.True(agentEstimate, "ListAgents never showed the running attempt's time left");
        Assert.True(taskEstimate, "GetJob never showed the running task's time left");
        var end = seen[^1].At;
        var marks = new List<(double Percent, TimeSpan Estimate, TimeSpan Actual)>();
        foreach (var mark in new[] { 25.0, 50, 75 })
        {
            var (at, percent, left) = seen.FirstOrDefault(s => s.Percent >= mark && s.Left is not null);
            if (left is { } estimate) marks.Add((percent, estimate, end - at));
        }

        foreach (var (percent, estimate, actual) in marks)
        {
            output.WriteLine($"MEASURE at {percent:0.0}% the estimate was {estimate.TotalSeconds:0.0} s, the render took {actual.TotalSeconds:0.0} s more");
        }

        Assert.True(marks.Count >= 2, $"estimates at only {marks.Count} of 25/50/75 %");
        Assert.All(marks, m => Assert.True(
            m.Estimate <= m.Actual * 2 + TimeSpan.FromSeconds(3) && m.Actual <= m.Estimate * 2 + TimeSpan.FromSeconds(3),
            $"at {m.Percent:0.0}% the estimate was {m.Estimate.TotalSeconds:0.0} s but {m.Actual.TotalSeconds:0.0} s were left"));
        Assert.True(marks[^1].Estimate < marks[0].Estimate, "the estimate did not shrink as the render went on");
    }
}
