using System.Security.Cryptography;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Media;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Chains;

/// <summary>
/// Checks a chained job's input once the job it comes from has succeeded, before the job is queued: the parent's
/// output is opened beneath its root, must have the size and SHA-256 the parent's result recorded, and must read as
/// media (<see cref="ChainInputProbe"/>). What was found is kept on the job's tasks (<c>Assignment.input_check</c>,
/// shown as <c>Job.input_check</c>); a file that is missing, changed or not media fails the job as bad input, naming
/// the parent. The check runs outside any transaction (hashing and probing take time); the transaction that follows
/// re-reads the tasks and moves only those still waiting, so a check made twice (two coordinators) changes nothing twice.
/// </summary>
public sealed partial class ChainInputs(
    IJobStore store,
    MediaRoots roots,
    ChainInputProbe probe,
    IWorkSignals signals,
    TimeProvider time,
    ILogger<ChainInputs> logger)
{
    /// <summary>Checks every chained job whose tasks wait for their input's check; returns how many jobs were decided.</summary>
    public async Task<int> CheckWaitingAsync(CancellationToken cancellationToken)
    {
        var decided = 0;
        foreach (var jobId in (await store.GetTasksWaitingForInputAsync(cancellationToken)).Select(t => t.JobId).Distinct(StringComparer.Ordinal))
        {
            try
            {
                if (await CheckJobAsync(jobId, cancellationToken)) decided++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // An I/O error that is not the file's fault (a mount that does not answer): the job keeps waiting for the next look.
                LogCheckFailed(logger, ex, jobId);
            }
        }

        return decided;
    }

    /// <summary>Checks one chained job's input and queues or fails the job; false when nothing was waiting.</summary>
    public async Task<bool> CheckJobAsync(string jobId, CancellationToken cancellationToken)
    {
        var job = await store.FindJobAsync(jobId, cancellationToken);
        if (job is null || JobStateRollup.IsTerminal(job.State) || !JobChains.IsChained(job.Spec)) return false;
        var parent = await store.FindJobAsync(job.Spec.InputFromJob, cancellationToken);
        if (parent is not { State: JobState.Succeeded }) return false;
        var input = (await store.GetTasksAsync(jobId, cancellationToken)).FirstOrDefault(t => t.WaitingFor == TaskWait.Input)?.Work.Input;
        if (input is null) return false;

        var (found, problem) = await InspectAsync(input, parent, cancellationToken);
        var now = time.GetUtcNow();
        var decided = await store.InTransactionAsync(async tx =>
        {
            var waiting = (await tx.GetTasksAsync(jobId)).Where(t => t is { State: TaskState.Waiting, WaitingFor: TaskWait.Input }).ToList();
            if (waiting.Count == 0) return false;
            foreach (var task in waiting)
            {
                if (problem is not null)
                {
                    await tx.UpdateTaskAsync(task.MoveTo(TaskState.Failed) with { WaitingFor = TaskWait.None, NotBefore = null });
                    continue;
                }

                var work = task.Work.Clone();
                work.InputCheck = found;
                await tx.UpdateTaskAsync(task.NotBefore > now
                    ? task with { Work = work, WaitingFor = TaskWait.Scheduled }
                    : task.MoveTo(TaskState.Queued) with { Work = work, WaitingFor = TaskWait.None, NotBefore = null });
            }

            await JobRollup.ApplyAsync(tx, jobId, now, error: problem is null ? null
                : $"bad input: its input, the output of job '{parent.Id}' ({input.Root}:{input.Path}), {problem}");
            return true;
        }, cancellationToken);

        if (!decided) return false;
        if (problem is null) LogQueued(logger, jobId, parent.Id, found!.Sha256);
        else LogRefused(logger, jobId, parent.Id, problem);
        signals.WorkAvailable();
        return true;
    }

    /// <summary>What the parent's output holds now, or why it cannot be the chained job's input.</summary>
    private async Task<(OutputInfo? Found, string? Problem)> InspectAsync(MediaRef input, JobRecord parent, CancellationToken cancellationToken)
    {
        MediaFile file;
        try
        {
            file = roots.OpenFile(input);
        }
        catch (MediaAccessException ex)
        {
            return (null, ex.NotFound ? "does not exist" : $"cannot be opened: {ex.Message}");
        }

        using (file)
        {
            var expected = parent.Result;
            if (expected is { SizeBytes: > 0 } && (ulong)file.Length != expected.SizeBytes)
            {
                return (null, $"is {file.Length} bytes, not the {expected.SizeBytes} bytes job '{parent.Id}' published; it was changed after that job ended");
            }

            var sha = await HashAsync(file, cancellationToken);
            if (expected is { Sha256.Length: > 0 } && !string.Equals(sha, expected.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                return (null, $"has changed since job '{parent.Id}' published it (SHA-256 {sha[..12]}..., published {expected.Sha256[..Math.Min(12, expected.Sha256.Length)]}...)");
            }

            OutputInfo facts;
            try
            {
                var (probed, problem) = await probe.ProbeAsync(file, cancellationToken);
                if (problem is not null) return (null, problem);
                facts = probed!;
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                LogNoFfprobe(logger, ex.Message);
                facts = new OutputInfo();
            }

            facts.Path = input.Path;
            facts.SizeBytes = (ulong)file.Length;
            facts.Sha256 = sha;
            return (facts, null);
        }
    }

    private static async Task<string> HashAsync(MediaFile file, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long at = 0;
        while (at < file.Length)
        {
            var read = await RandomAccess.ReadAsync(file.Handle, buffer.AsMemory(0, (int)Math.Min(buffer.Length, file.Length - at)), at, cancellationToken);
            if (read == 0) throw new EndOfStreamException($"the file ended at byte {at}, before its {file.Length} bytes");
            hash.AppendData(buffer, 0, read);
            at += read;
        }

        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }

    [LoggerMessage(1, LogLevel.Information, "Chained job {JobId}: its input, the output of job {ParentId} (SHA-256 {Sha256}), checked; queued")]
    private static partial void LogQueued(ILogger logger, string jobId, string parentId, string sha256);

    [LoggerMessage(2, LogLevel.Warning, "Chained job {JobId}: the output of job {ParentId} cannot be its input: {Problem}")]
    private static partial void LogRefused(ILogger logger, string jobId, string parentId, string problem);

    [LoggerMessage(3, LogLevel.Warning, "Chained job {JobId}: its input could not be checked now; it is looked at again later")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(4, LogLevel.Warning, "No ffprobe ({Error}): chained inputs are checked by size and SHA-256 only")]
    private static partial void LogNoFfprobe(ILogger logger, string error);
}
