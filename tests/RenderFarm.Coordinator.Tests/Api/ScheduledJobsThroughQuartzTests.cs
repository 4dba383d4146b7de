using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using RenderFarm.Coordinator.Scheduling;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Api;

/// <summary>Start times, dependencies and cron schedules through the real service, Quartz store and a restart.</summary>
public sealed class ScheduledJobsThroughQuartzTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task ScheduledStart_SurvivesACoordinatorRestart_AndRunsAfterItsTime()
    {
        var input = Path.Combine(_farm.MediaDir, "clip.mp4");
        await TestClips.CopyAsync(TestClips.SdrAsync(), input);
        var start = DateTimeOffset.UtcNow.AddSeconds(4);
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = Spec(input, "later.mp4", s => s.StartTime = Timestamp.FromDateTimeOffset(start)) })).Job;
        Assert.Equal(JobState.Waiting, job.State);
        Assert.Equal(WaitReason.Types.Kind.Scheduled, job.Tasks[0].WaitReason.Kind);

        await _farm.StopCoordinatorAsync();
        await _farm.StartCoordinatorAsync();
        await _farm.StartAgentAsync("agent-a");

        var done = await _farm.WaitForJobAsync(job.Id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(60));
        Assert.True(done.State == JobState.Succeeded, done.Error);
        Assert.True(done.Tasks[0].Attempts[0].StartTime.ToDateTimeOffset() >= start, "it started before its start time");
    }

    [Fact]
    public async Task GradeAfterTranscode_RunsOnlyAfterTheTranscodeSucceeded()
    {
        await _farm.StartAgentAsync("agent-a");
        var input = Path.Combine(_farm.MediaDir, "clip.mp4");
        await TestClips.CopyAsync(TestClips.SdrAsync(), input);
        var transcode = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = Spec(input, "transcoded.mp4") })).Job;

        var grade = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = Spec(input, "graded.mp4", s =>
            {
                s.DependsOn.Add(transcode.Id);
                s.Grade = new Grade { Exposure = 0.5 };
            }),
        })).Job;

        var done = await _farm.WaitForJobAsync(grade.Id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(90));
        Assert.True(done.State == JobState.Succeeded, done.Error);
        var first = (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = transcode.Id })).Job;
        Assert.True(done.Tasks[0].Attempts[0].StartTime.ToDateTimeOffset() >= first.EndTime.ToDateTimeOffset(), "the grade started before the transcode ended");
    }

    [Fact]
    public async Task Cron_CreatesAPersistentQuartzTrigger_ThatCancelRemoves()
    {
        var input = Path.Combine(_farm.MediaDir, "clip.mp4");
        await TestClips.CopyAsync(TestClips.SdrAsync(), input);
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = Spec(input, "nightly-{time}.mp4", s => { s.Cron = "0 3 * * *"; s.TimeZone = "Europe/Paris"; }),
        })).Job;
        Assert.Equal(("0 3 * * *", "Europe/Paris"), (job.Recurrence.Cron, job.Recurrence.TimeZone));

        await _farm.StopCoordinatorAsync();
        await _farm.StartCoordinatorAsync();
        var scheduler = await _farm.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var trigger = (ICronTrigger?)await scheduler.GetTrigger(QuartzRecurringScheduler.KeyFor(job.Id));
        Assert.NotNull(trigger);
        Assert.Equal("0 0 3 * * ?", trigger!.CronExpressionString);
        Assert.Equal(job.Recurrence.NextRunTime.ToDateTimeOffset(), trigger.NextFireTimeUtc);

        await _farm.Jobs.CancelJobAsync(new CancelJobRequest { JobId = job.Id });
        Assert.False(await scheduler.Exists(QuartzRecurringScheduler.KeyFor(job.Id)));
    }

    private JobSpec Spec(string input, string output, Action<JobSpec>? change = null)
    {
        var spec = new JobSpec
        {
            Name = output,
            InputPath = input,
            OutputPath = Path.Combine(_farm.MediaDir, output),
            Output = new OutputSettings { Preset = Preset.H264Proxy540P },
        };
        change?.Invoke(spec);
        return spec;
    }
}
