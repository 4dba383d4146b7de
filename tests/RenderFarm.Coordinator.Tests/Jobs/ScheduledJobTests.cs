using Google.Protobuf.WellKnownTypes;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Jobs;

public sealed class ScheduledJobTests : IAsyncLifetime
{
    private readonly DomainHarness _h = new();
    private static readonly CancellationToken None = CancellationToken.None;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Fact]
    public async Task StartTime_InTheFuture_WaitsWithAPersistentRelease()
    {
        var start = _h.Time.GetUtcNow().AddMinutes(30);
        var job = await _h.SubmitAsync(change: s => s.StartTime = Timestamp.FromDateTimeOffset(start));

        Assert.Equal(JobState.Waiting, job.State);
        var task = await _h.TaskOf(job.Id);
        Assert.Equal((TaskState.Waiting, TaskWait.Scheduled, start), (task.State, task.WaitingFor, task.NotBefore!.Value));
        Assert.Equal([(task.Id, start)], _h.Releases.Scheduled);

        _h.Time.SetUtcNow(start);
        await _h.Attempts.ReleaseAsync(task.Id, None);
        Assert.Equal(TaskState.Queued, (await _h.TaskOf(job.Id)).State);
    }

    [Fact]
    public async Task StartTime_InThePast_QueuesAtOnce()
    {
        var job = await _h.SubmitAsync(change: s => s.StartTime = Timestamp.FromDateTimeOffset(_h.Time.GetUtcNow().AddMinutes(-5)));

        Assert.Equal(JobState.Queued, job.State);
        Assert.Empty(_h.Releases.Scheduled);
    }

    [Theory]
    [InlineData("30 2 * * *", "", "0 30 2 * * ?")]
    [InlineData("0 6 * * MON-FRI", "", "0 0 6 ? * MON-FRI")]
    [InlineData("0 30 2 * * ?", "Europe/Paris", "0 30 2 * * ?")]
    public void Cron_AcceptsUnixAndQuartzForms(string text, string zone, string expected)
    {
        Assert.True(CronSchedule.TryParse(text, zone, _h.Time.GetUtcNow(), out var schedule, out var error), error);
        Assert.Equal(expected, schedule!.Expression);
    }

    [Theory]
    [InlineData("* * *", "", "has 3 fields")]
    [InlineData("0 2 * * 1", "", "by name")]
    [InlineData("0 2 1 * MON", "", "not both")]
    [InlineData("* * * * * ?", "", "more often than once a minute")]
    [InlineData("0 2 * * *", "Mars/Olympus", "not a known IANA time zone")]
    [InlineData("0 61 * * * ?", "", "not a valid cron expression")]
    public void Cron_RefusesWithAReason(string text, string zone, string reason)
    {
        Assert.False(CronSchedule.TryParse(text, zone, _h.Time.GetUtcNow(), out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public async Task Cron_SubmitsARecurringJobWithATrigger_AndEachFiringSubmitsARun()
    {
        var recurring = await _h.SubmitAsync("nightly", change: s =>
        {
            s.Cron = "0 2 * * *";
            s.OutputPath = Path.Combine(_h.MediaDir, "nightly-{time}.mp4");
        });

        Assert.True(recurring.IsRecurring);
        Assert.Equal(JobState.Waiting, recurring.State);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 2, 0, 0, TimeSpan.Zero), recurring.Recurrence!.NextRunTime.ToDateTimeOffset());
        Assert.Contains(recurring.Id, _h.Recurring.Scheduled.Keys);
        Assert.Empty(await _h.Store.GetTasksAsync(recurring.Id, None));

        var runs = Runs();
        var fireTime = new DateTimeOffset(2026, 11, 25, 2, 0, 0, TimeSpan.Zero);
        _h.Time.SetUtcNow(fireTime);
        var run = await runs.FireAsync(recurring.Id, fireTime, None);

        Assert.NotNull(run);
        Assert.Equal(recurring.Id, run!.RecurringJobId);
        Assert.Equal(JobState.Queued, run.State);
        Assert.EndsWith("nightly-20261125-020000.mp4", run.Spec.OutputPath);
        Assert.Empty(run.Spec.Cron);
        var parent = await _h.JobOf(recurring.Id);
        Assert.Equal((1u, run.Id), (parent.Recurrence!.RunCount, parent.Recurrence.LastRunJobId));
        Assert.Equal(fireTime.AddDays(1), parent.Recurrence.NextRunTime.ToDateTimeOffset());
    }

    [Fact]
    public async Task Cron_RunWhoseInputVanished_IsRecordedAsAFailedRun()
    {
        var recurring = await _h.SubmitAsync("nightly", change: s => { s.Cron = "0 2 * * *"; s.Overwrite = true; });
        File.Delete(recurring.Spec.InputPath);

        var run = await Runs().FireAsync(recurring.Id, _h.Time.GetUtcNow(), None);

        Assert.Equal(JobState.Failed, run!.State);
        Assert.Contains("does not exist", run.Error);
        Assert.Equal(JobState.Waiting, (await _h.JobOf(recurring.Id)).State);
    }

    [Fact]
    public async Task Cron_CancelStopsTheScheduleAndLaterFiringsDoNothing()
    {
        var recurring = await _h.SubmitAsync("nightly", change: s => { s.Cron = "0 2 * * *"; s.Overwrite = true; });

        var canceled = await _h.Catalog.CancelAsync(recurring.Id, None);

        Assert.Equal(JobState.Canceled, canceled.State);
        Assert.DoesNotContain(recurring.Id, _h.Recurring.Scheduled.Keys);
        Assert.Null(await Runs().FireAsync(recurring.Id, _h.Time.GetUtcNow(), None));
    }

    [Fact]
    public async Task Cron_WithoutTimeTokenOrOverwrite_IsRefused()
    {
        var error = await Assert.ThrowsAsync<JobValidationException>(() => _h.SubmitAsync(change: s => s.Cron = "0 2 * * *"));
        Assert.Contains("{time}", error.Message);
    }

    [Fact]
    public async Task Limits_OutOfRange_AreRefusedAndDefaultsApply()
    {
        var error = await Assert.ThrowsAsync<JobValidationException>(() => _h.SubmitAsync(change: s =>
        {
            s.MaxRunTime = Duration.FromTimeSpan(TimeSpan.FromSeconds(5));
            s.StallTimeout = Duration.FromTimeSpan(TimeSpan.FromDays(3));
        }));
        Assert.Contains("spec.max_run_time", error.Message);
        Assert.Contains("spec.stall_timeout", error.Message);

        var job = await _h.SubmitAsync("defaults");
        Assert.Equal(new TaskLimits(_h.Options.DefaultMaxRunTime, _h.Options.DefaultStallTimeout), (await _h.TaskOf(job.Id)).Limits);
    }

    private RecurringRuns Runs() => new(_h.Store, _h.Catalog, _h.Validator, _h.Sequence, _h.Recurring, _h.Time);
}
