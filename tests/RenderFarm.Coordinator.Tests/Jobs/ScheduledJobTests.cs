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
    [InlineData("0 6 * * MON-FRI", "", "0 0 6 ? * MON,TUE,WED,THU,FRI")]
    [InlineData("0 22 * * 1-5", "", "0 0 22 ? * MON,TUE,WED,THU,FRI")]
    [InlineData("0 2 * * 0,7", "", "0 0 2 ? * SUN")]
    [InlineData("0 2 * * 5-7", "", "0 0 2 ? * SUN,FRI,SAT")]
    [InlineData("*/15 9-17 * * 1-5/2", "America/New_York", "0 */15 9-17 ? * MON,WED,FRI")]
    [InlineData("0 2 * * */2", "", "0 0 2 ? * SUN,TUE,THU,SAT")]
    [InlineData("0 2 * * 0-6", "", "0 0 2 * * ?")]
    [InlineData("0 2 1,15 jan-mar *", "", "0 0 2 1,15 JAN-MAR ?")]
    [InlineData("0 30 2 * * ?", "Europe/Paris", "0 30 2 * * ?")]
    public void Cron_AcceptsUnixAndQuartzForms(string text, string zone, string expected)
    {
        Assert.True(CronSchedule.TryParse(text, zone, _h.Time.GetUtcNow(), out var schedule, out var error), error);
        Assert.Equal(expected, schedule!.Expression);
    }

    [Theory]
    [InlineData("* * *", "", "has 3 fields")]
    [InlineData("0 2 * * 8", "", "is not a day")]
    [InlineData("0 2 * * FRI-MON", "", "runs backwards")]
    [InlineData("0 2 1 * MON", "", "restricts both the day of the month and the day of the week")]
    [InlineData("* * * * * ?", "", "more often than once a minute")]
    [InlineData("0 2 * * *", "Mars/Olympus", "not a known IANA time zone")]
    [InlineData("0 61 * * * ?", "", "not a valid cron expression")]
    public void Cron_RefusesWithAReason(string text, string zone, string reason)
    {
        Assert.False(CronSchedule.TryParse(text, zone, _h.Time.GetUtcNow(), out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Cron_StandardCronInParisAcrossBothDstChanges_FiresOnceEachDayAtItsWallClockTime()
    {
        Assert.True(CronSchedule.TryParse("30 2 * * *", "Europe/Paris", _h.Time.GetUtcNow(), out var schedule, out var error), error);
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

        // 2027-03-28: 02:00 -> 03:00 (02:30 does not exist); 2027-10-31: 03:00 -> 02:00 (02:30 happens twice).
        foreach (var (from, days) in new[] { (new DateTimeOffset(2027, 3, 26, 12, 0, 0, TimeSpan.Zero), new[] { 27, 28, 29 }), (new DateTimeOffset(2027, 10, 29, 12, 0, 0, TimeSpan.Zero), new[] { 30, 31, 1 }) })
        {
            var fires = new List<DateTimeOffset>();
            var at = from;
            for (var i = 0; i < 3; i++) fires.Add(at = schedule!.NextAfter(at)!.Value);
            var local = fires.Select(f => TimeZoneInfo.ConvertTime(f, paris)).ToList();
            Assert.Equal(days, local.Select(l => l.Day));
            Assert.All(local.Where(l => l.Day != 28), l => Assert.Equal((2, 30), (l.Hour, l.Minute)));
            Assert.All(local.Where(l => l.Day == 28 && l.Month == 3), l => Assert.Equal("03:00 +02:00", l.ToString("HH:mm zzz", System.Globalization.CultureInfo.InvariantCulture)));
        }
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
        Assert.NotNull(recurring.Recurrence!.NextRunTime);
        Assert.Null((await _h.JobOf(recurring.Id)).Recurrence!.NextRunTime);
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
