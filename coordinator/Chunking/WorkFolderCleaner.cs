using System.Threading.Channels;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Media;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Chunking;

/// <summary>
/// Removes a chunked job's work folder once the job has ended, whether it succeeded, failed or was canceled (the
/// stitch removes it itself after publishing; this catches the rest). Runs after the commit that ended the job,
/// and once more a little later, after the agents have stopped the chunks they were told to stop.
/// </summary>
public sealed partial class WorkFolderCleaner(IJobStore store, MediaRoots roots, TimeProvider time, ILogger<WorkFolderCleaner> logger) : BackgroundService
{
    /// <summary>Delay before the second sweep of a job's work folder.</summary>
    public static readonly TimeSpan SecondSweep = TimeSpan.FromSeconds(5);

    private readonly Channel<string> _ended = Channel.CreateUnbounded<string>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        store.Committed += OnCommitted;
        try
        {
            await foreach (var jobId in _ended.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    // Only a chunked job (one with a probe task) has a work folder: the tasks are read first, the job only then.
                    var output = (await store.GetTasksAsync(jobId, stoppingToken)).FirstOrDefault(t => t.Kind == TaskKind.Probe)?.Work.Output;
                    if (output is null) continue;
                    var job = await store.FindJobAsync(jobId, stoppingToken);
                    if (job is null || !JobStateRollup.IsTerminal(job.State)) continue;
                    var folder = WorkFolders.For(jobId, output);
                    if (!Remove(jobId, folder)) continue;
                    _ = Task.Delay(SecondSweep, time, stoppingToken).ContinueWith(_ => Remove(jobId, folder), TaskScheduler.Default);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailed(logger, ex, jobId);
                }
            }
        }
        finally
        {
            store.Committed -= OnCommitted;
        }
    }

    private void OnCommitted(StoreCommit commit)
    {
        // Another coordinator's commit does not say which jobs ended: each job it touched is looked at.
        foreach (var jobId in commit.EndedJobs ?? commit.ChangedJobs) _ended.Writer.TryWrite(jobId);
    }

    /// <summary>
    /// Removes the work folder by name inside its parent, opened beneath the media root: a parent that leads out of the
    /// root is refused, a work folder swapped for a link is removed as a link, and links inside it are removed, never
    /// followed, so nothing outside the root is touched. Returns whether there was anything to remove.
    /// </summary>
    private bool Remove(string jobId, MediaRef folder)
    {
        try
        {
            var (parent, name) = roots.OpenFolder(folder);
            using (parent)
            {
                if (!parent.DeleteTree(name)) return false;
            }

            LogRemoved(logger, jobId, roots.DisplayPath(folder));
            return true;
        }
        catch (MediaAccessException ex) when (ex.NotFound)
        {
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogFailed(logger, ex, jobId);
            return false;
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Job {JobId} ended: removed its work folder {Folder}")]
    private static partial void LogRemoved(ILogger logger, string jobId, string folder);

    [LoggerMessage(2, LogLevel.Warning, "Job {JobId}: could not remove its work folder")]
    private static partial void LogFailed(ILogger logger, Exception exception, string jobId);
}
