using System.Threading.Channels;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Media;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>
/// Makes the poster frame of each job that succeeds, after the commit that ended it (any job another coordinator's
/// commit touched is looked at too): the job's output is opened beneath its media root, checked against the size the
/// job recorded, and <see cref="PosterFrame"/> reads one frame of that open file; the JPEG goes to
/// <see cref="ThumbnailStore"/>. One at a time, in the background: a failure is logged and leaves the job without a
/// thumbnail, never changes the job.
/// </summary>
public sealed partial class ThumbnailMaker(
    IJobStore store, MediaRoots roots, PosterFrame poster, ThumbnailStore thumbnails, IOptions<ThumbnailOptions> options, TimeProvider time,
    ILogger<ThumbnailMaker> logger) : BackgroundService
{
    private readonly Channel<string> _ended = Channel.CreateBounded<string>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return;
        store.Committed += OnCommitted;
        try
        {
            await foreach (var jobId in _ended.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await MakeAsync(jobId, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailed(logger, ex, jobId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            store.Committed -= OnCommitted;
        }
    }

    /// <summary>Makes and stores the thumbnail of a succeeded job; false (and a log line) when it has none.</summary>
    public async Task<bool> MakeAsync(string jobId, CancellationToken cancellationToken)
    {
        var job = await store.FindJobAsync(jobId, cancellationToken);
        if (job is not { State: JobState.Succeeded, Result: { } result } || result.Width == 0) return false;
        // Another coordinator's commits name every job they touched: a poster made after the job ended is kept.
        if (await thumbnails.FindAsync(jobId, cancellationToken) is { } made && made.Created >= job.EndTime) return false;
        var tasks = await store.GetTasksAsync(jobId, cancellationToken);
        // A chunked job's output is its probe task's; a whole-file job's is its render task's.
        var output = (tasks.FirstOrDefault(t => t.Kind == TaskKind.Probe) ?? tasks.FirstOrDefault(t => t.Kind is TaskKind.Render or TaskKind.Unspecified))?.Work.Output;
        if (output is null) return false;

        MediaFile file;
        try
        {
            file = roots.OpenFile(output);
        }
        catch (MediaAccessException ex)
        {
            LogSkipped(logger, jobId, $"its output {output.Root}:{output.Path} cannot be opened: {ex.Message}");
            return false;
        }

        using (file)
        {
            if (result.SizeBytes > 0 && (ulong)file.Length != result.SizeBytes)
            {
                LogSkipped(logger, jobId, $"its output {output.Root}:{output.Path} is {file.Length} bytes, not the {result.SizeBytes} bytes the job verified");
                return false;
            }

            var (jpeg, width, height, problem) = await poster.MakeAsync(file, result, cancellationToken);
            if (jpeg is null)
            {
                LogSkipped(logger, jobId, problem!);
                return false;
            }

            await thumbnails.SaveAsync(new ThumbnailStore.Thumbnail(jobId, jpeg, width, height, time.GetUtcNow()), cancellationToken);
            LogMade(logger, jobId, width, height, jpeg.Length);
            return true;
        }
    }

    private void OnCommitted(StoreCommit commit)
    {
        // Another coordinator's commit does not say which jobs ended: each job it touched is looked at.
        foreach (var jobId in commit.EndedJobs ?? commit.ChangedJobs) _ended.Writer.TryWrite(jobId);
    }
}
