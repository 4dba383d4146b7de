using System.Threading.Channels;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>
/// With <see cref="ThumbnailOptions.MakeAfterEachJob"/> (off by default), asks <see cref="ThumbnailsOnDemand"/> for each
/// job's poster after the commit that ended it, one job at a time, as a viewer would: the same single making per job,
/// bound and failure memory. A job missed (the coordinator stopped first) is made when first asked for, as without it.
/// </summary>
public sealed partial class ThumbnailsAfterEachJob(IJobStore store, ThumbnailsOnDemand thumbnails, IOptions<ThumbnailOptions> options, ILogger<ThumbnailsAfterEachJob> logger)
    : BackgroundService
{
    private readonly Channel<string> _ended = Channel.CreateBounded<string>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled || !options.Value.MakeAfterEachJob) return;
        store.Committed += OnCommitted;
        try
        {
            await foreach (var jobId in _ended.Reader.ReadAllAsync(stoppingToken))
            {
                if (await store.FindJobAsync(jobId, stoppingToken) is not { State: JobState.Succeeded } job) continue;
                try
                {
                    await thumbnails.GetAsync(job, ThumbnailKind.Poster, stoppingToken);
                }
                catch (Exception ex) when (ex is NotFoundException or ThumbnailFailedException)
                {
                    // The maker logged why; a viewer who asks is told the same.
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

    private void OnCommitted(StoreCommit commit)
    {
        // Another coordinator's commit does not say which jobs ended: each job it touched is looked at.
        foreach (var jobId in commit.EndedJobs ?? commit.ChangedJobs) _ended.Writer.TryWrite(jobId);
    }
}
