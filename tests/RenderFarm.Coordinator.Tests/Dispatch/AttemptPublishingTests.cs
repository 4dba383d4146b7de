using System.Security.Cryptography;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.Media;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Dispatch;

/// <summary>
/// The publish window on the real store with a fake clock: the grant is recorded with the lease check, an attempt that
/// published but never reported is committed once by the sweep when its bytes are whole at the path, and otherwise lost
/// with its grant handed to the next attempt to adopt; what it left beside the output is removed either way.
/// </summary>
public sealed class AttemptPublishingTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly DomainHarness _h = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Fact]
    public async Task ExpireAsync_GrantedOutputWholeAtItsPath_CommitsTheTaskOnce_AndRemovesTheScratchFolder()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);
        var scratch = LeaveScratch(job, attempt);
        var output = await PublishAsync(job, "the rendered proxy");
        Assert.True((await _h.Attempts.GrantPublishAsync("agent-a", attempt.Id, output, None)).Granted);

        // The agent renamed and died before reporting: nothing happens until its lease runs out.
        _h.Time.Advance(_h.Options.LeaseDuration + TimeSpan.FromSeconds(1));
        var now = _h.Time.GetUtcNow();
        Assert.Equal(0, await _h.Attempts.ExpireAsync(a => a.LeaseExpiry < now, "no heartbeat", None));

        var done = await _h.JobOf(job.Id);
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal((output.Sha256, output.SizeBytes, 60UL), (done.Result!.Sha256, done.Result.SizeBytes, done.Result.FrameCount));
        var stored = Assert.Single(await _h.Store.GetAttemptsAsync(job.Id, None));
        Assert.Equal((attempt.Id, AttemptOutcome.Succeeded), (stored.Id, stored.Outcome));
        Assert.False(Directory.Exists(scratch));
        Assert.True(File.Exists(job.Spec.InputPath), "removing the scratch folder must not follow its link to the input");
        Assert.Empty(_h.Signals.Stops);

        // The agent's report, if it comes after all, and a second sweep change nothing.
        Assert.Equal(Fence.Duplicate, await _h.Attempts.CompleteAsync("agent-a", new TaskCompleted { AttemptId = attempt.Id, Output = output }, None));
        Assert.Equal(0, await _h.Attempts.ExpireAsync(_ => true, "again", None));
        Assert.Single(await _h.Store.GetAttemptsAsync(job.Id, None));
    }

    [Theory]
    [InlineData("changed")]
    [InlineData("missing")]
    public async Task ExpireAsync_GrantedOutputNotWholeAtItsPath_LosesTheAttempt_AndHandsTheGrantToTheNextAttempt(string file)
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);
        var scratch = LeaveScratch(job, attempt);
        var output = await PublishAsync(job, "the rendered proxy");
        await _h.Attempts.GrantPublishAsync("agent-a", attempt.Id, output, None);
        var path = Path.Combine(_h.MediaDir, "clip-proxy.mp4");
        if (file == "changed") await File.WriteAllTextAsync(path, "the rendered proxY");
        else File.Delete(path);

        _h.Time.Advance(_h.Options.LeaseDuration + TimeSpan.FromSeconds(1));
        var now = _h.Time.GetUtcNow();
        Assert.Equal(1, await _h.Attempts.ExpireAsync(a => a.LeaseExpiry < now, "no heartbeat", None));

        var lost = Assert.Single(await _h.Store.GetAttemptsAsync(job.Id, None));
        Assert.Equal((AttemptOutcome.Lost, FailureClass.LeaseExpired), (lost.Outcome, lost.FailureClass));
        Assert.Equal(TaskState.Queued, (await _h.TaskOf(job.Id)).State);
        Assert.False(Directory.Exists(scratch));

        // The next attempt is told what the lost one was granted to publish; whether the file is whole, the agent checks.
        var next = await _h.AssignAsync(job.Id, "agent-b");
        var adoptable = await _h.Attempts.FindAdoptableAsync(await _h.TaskOf(job.Id), next.Id, None);
        Assert.NotNull(adoptable);
        Assert.Equal((attempt.Id, output.Sha256, output.SizeBytes), (adoptable.AttemptId, adoptable.Output.Sha256, adoptable.Output.SizeBytes));
    }

    [Fact]
    public async Task FindAdoptable_LostAttemptThatWasNeverGranted_GivesNothingToAdopt()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);
        var scratch = LeaveScratch(job, attempt);
        await PublishAsync(job, "a file that is not the farm's");

        _h.Time.Advance(_h.Options.LeaseDuration + TimeSpan.FromSeconds(1));
        var now = _h.Time.GetUtcNow();
        Assert.Equal(1, await _h.Attempts.ExpireAsync(a => a.LeaseExpiry < now, "no heartbeat", None));

        var next = await _h.AssignAsync(job.Id, "agent-b");
        Assert.Null(await _h.Attempts.FindAdoptableAsync(await _h.TaskOf(job.Id), next.Id, None));
        Assert.False(Directory.Exists(scratch));
    }

    [Fact]
    public async Task GrantPublish_RecordsTheOutputWithTheLeaseCheck_OnlyForTheLiveLease()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);
        var output = await PublishAsync(job, "the rendered proxy");
        var task = await _h.TaskOf(job.Id);

        Assert.False((await _h.Attempts.GrantPublishAsync("agent-b", attempt.Id, output, None)).Granted);
        Assert.Null(await _h.Store.FindPublishGrantAsync(task.Id, None));

        Assert.True((await _h.Attempts.GrantPublishAsync("agent-a", attempt.Id, output, None)).Granted);
        var grant = await _h.Store.FindPublishGrantAsync(task.Id, None);
        Assert.NotNull(grant);
        Assert.Equal((attempt.Id, job.Id, "media", "clip-proxy.mp4", (long)output.SizeBytes, output.Sha256, 60UL),
            (grant.AttemptId, grant.JobId, grant.Output.Root, grant.Output.Path, grant.SizeBytes, grant.Sha256, grant.Published.FrameCount));
        Assert.Equal(_h.Time.GetUtcNow(), grant.GrantTime);
    }

    [Fact]
    public async Task SweepPublishGrants_ForgetsTheGrantsOfEndedTasks_KeepsThoseInFlight()
    {
        var ended = await _h.SubmitAsync("ended");
        var running = await _h.SubmitAsync("running");
        var endedAttempt = await _h.AssignAsync(ended.Id);
        var runningAttempt = await _h.AssignAsync(running.Id);
        var output = new OutputInfo { SizeBytes = 10, Sha256 = new string('a', 64), FrameCount = 60 };
        await _h.Attempts.GrantPublishAsync("agent-a", endedAttempt.Id, output, None);
        await _h.Attempts.GrantPublishAsync("agent-a", runningAttempt.Id, output, None);
        await _h.Attempts.CompleteAsync("agent-a", new TaskCompleted { AttemptId = endedAttempt.Id, Output = output }, None);

        Assert.Equal(1, await _h.Attempts.SweepPublishGrantsAsync(None));

        Assert.Null(await _h.Store.FindPublishGrantAsync((await _h.TaskOf(ended.Id)).Id, None));
        Assert.NotNull(await _h.Store.FindPublishGrantAsync((await _h.TaskOf(running.Id)).Id, None));
    }

    /// <summary>Writes the job's output as an agent's rename would, and describes it as the agent would.</summary>
    private async Task<OutputInfo> PublishAsync(JobRecord job, string content)
    {
        var path = Path.Combine(_h.MediaDir, Path.GetFileName(job.Spec.OutputPath));
        await File.WriteAllTextAsync(path, content);
        var bytes = await File.ReadAllBytesAsync(path);
        return new OutputInfo { Path = path, SizeBytes = (ulong)bytes.Length, Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)), FrameCount = 60 };
    }

    /// <summary>The scratch folder a killed agent leaves beside the output (with a link to the input, as agents make).</summary>
    private string LeaveScratch(JobRecord job, AttemptRecord attempt)
    {
        var scratch = Directory.CreateDirectory(Path.Combine(_h.MediaDir, ScratchNames.Folder(attempt.Id))).FullName;
        File.CreateSymbolicLink(Path.Combine(scratch, "input.mov"), job.Spec.InputPath);
        File.WriteAllText(Path.Combine(scratch, "output.mp4"), "half a render");
        return scratch;
    }
}
