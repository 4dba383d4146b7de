using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Api;

/// <summary>The estimate of time left, as WatchJob, GetJob and ListAgents show it for a real render.</summary>
public sealed class TimeLeftEndToEndTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task WatchJob_RunningRender_ReportsTimeLeftThatShrinksAsItRenders()
    {
        await _farm.StartAgentAsync("agent-a");
        var input = await TestClips.CopyAsync(TestClips.LongAsync(), Path.Combine(_farm.MediaDir, "long.mp4"));
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { InputPath = input, OutputPath = Path.Combine(_farm.MediaDir, "slow.mp4"), Output = new OutputSettings { Preset = Preset.Av1Delivery, Crf = 20 } },
        })).Job;

        var estimates = new List<(double Percent, TimeSpan Left)>();
        using (var watch = _farm.Jobs.WatchJob(new WatchJobRequest { JobId = job.Id }))
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
        {
            while (estimates.Count < 3 && await watch.ResponseStream.MoveNext(deadline.Token))
            {
                var seen = watch.ResponseStream.Current.Job;
                if (seen.TimeLeft is { } left && (estimates.Count == 0 || seen.Percent > estimates[^1].Percent + 2)) estimates.Add((seen.Percent, left.ToTimeSpan()));
            }
        }

        Assert.True(estimates.Count == 3, $"only {estimates.Count} estimate(s) of time left while the job ran");
        Assert.All(estimates, e => Assert.InRange(e.Left, TimeSpan.Zero, TimeSpan.FromMinutes(30)));
        Assert.True(estimates[^1].Left < estimates[0].Left, $"time left did not shrink: {string.Join(", ", estimates)}");

        var running = (await _farm.Farm.ListAgentsAsync(new ListAgentsRequest())).Agents.Single().Running.Single();
        Assert.NotNull(running.TimeLeft);
        var task = (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = job.Id })).Job.Tasks.Single();
        Assert.NotNull(task.TimeLeft);
        await _farm.Jobs.CancelJobAsync(new CancelJobRequest { JobId = job.Id });
    }
}
