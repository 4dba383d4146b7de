using System.Threading.Channels;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Media;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>
/// Makes the thumbnails of each job that succeeds, after the commit that ended it (any job another coordinator's
/// commit touched is looked at too; <see cref="ThumbnailCatchUp"/> hands over those a stopped coordinator missed): the
/// job's output is opened beneath its media root and checked against the size the job recorded, and its pictures are
/// read from that open file: the <see cref="PosterFrame"/>, for a clip of at least
/// <see cref="ThumbnailOptions.ContactSheetMinDuration"/> a <see cref="ContactSheet"/>, and for a graded job a poster of
/// its source at the same time, through the same display chain without the grade. They go to
/// <see cref="ThumbnailStore"/>, the poster last (a job with a poster has all it will get). One job at a time, in the
/// background: a failure is logged and leaves the job without that thumbnail, never changes the job.
/// </summary>
public sealed partial class ThumbnailMaker(
    IJobStore store, MediaRoots roots, PosterFrame poster, ContactSheet sheet, SourceColour sourceColour, ThumbnailStore thumbnails,
    IOptions<ThumbnailOptions> options, TimeProvider time, ILogger<ThumbnailMaker> logger) : BackgroundService
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
                await TryMakeAsync(jobId, stoppingToken);
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

    /// <summary>As <see cref="MakeAsync"/>, with an unexpected failure logged instead of thrown.</summary>
    public async Task<bool> TryMakeAsync(string jobId, CancellationToken cancellationToken)
    {
        try
        {
            return await MakeAsync(jobId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(logger, ex, jobId);
            return false;
        }
    }

    /// <summary>Makes and stores the thumbnails of a succeeded job; false (and a log line) when it has no poster.</summary>
    public async Task<bool> MakeAsync(string jobId, CancellationToken cancellationToken)
    {
        var job = await store.FindJobAsync(jobId, cancellationToken);
        if (job is not { State: JobState.Succeeded, Result: { } result } || result.Width == 0) return false;
        // Another coordinator's commits name every job they touched: a poster made after the job ended is kept.
        if (await thumbnails.FindAsync(jobId, cancellationToken) is { } made && made.Created >= job.EndTime) return false;
        var tasks = await store.GetTasksAsync(jobId, cancellationToken);
        // A chunked job's output is its probe task's; a whole-file job's is its render task's. Its source is that task's input.
        var work = (tasks.FirstOrDefault(t => t.Kind == TaskKind.Probe) ?? tasks.FirstOrDefault(t => t.Kind is TaskKind.Render or TaskKind.Unspecified))?.Work;
        if (work?.Output is not { } output) return false;

        using var file = Open(jobId, output, "output");
        if (file is null) return false;
        if (result.SizeBytes > 0 && (ulong)file.Length != result.SizeBytes)
        {
            LogSkipped(logger, jobId, $"its output {output.Root}:{output.Path} is {file.Length} bytes, not the {result.SizeBytes} bytes the job verified");
            return false;
        }

        var colour = PictureColour.Of(result);
        var seconds = result.DurationSeconds * PosterFrame.Position;
        var picture = await poster.MakeAsync(file, colour, seconds, cancellationToken);
        if (picture.Jpeg is null)
        {
            LogSkipped(logger, jobId, picture.Problem!);
            return false;
        }

        var o = options.Value;
        await KeepAsync(jobId, ThumbnailKind.ContactSheet, result.DurationSeconds >= o.ContactSheetMinDuration.TotalSeconds
            ? await sheet.MakeAsync(file, colour, result.DurationSeconds, cancellationToken)
            : null, cancellationToken);
        await KeepAsync(jobId, ThumbnailKind.Source, job.Spec.Grade is not null && work.Input is { } input
            ? await SourcePosterAsync(jobId, input, seconds, cancellationToken)
            : null, cancellationToken);
        await KeepAsync(jobId, ThumbnailKind.Poster, picture, cancellationToken);
        return true;
    }

    /// <summary>The source's frame at the poster's time, through the display chain of its own colour (no grade).</summary>
    private async Task<ThumbnailImage> SourcePosterAsync(string jobId, MediaRef input, double seconds, CancellationToken cancellationToken)
    {
        using var file = Open(jobId, input, "source");
        if (file is null) return ThumbnailImage.Failed($"its source {input.Root}:{input.Path} cannot be opened");
        var (colour, problem) = await sourceColour.ReadAsync(file, cancellationToken);
        return colour is null ? ThumbnailImage.Failed(problem!) : await poster.MakeAsync(file, colour, seconds, cancellationToken);
    }

    /// <summary>Stores a picture of a kind; a failed one is logged, and none (the job no longer calls for it) removes an old one.</summary>
    private async Task KeepAsync(string jobId, ThumbnailKind kind, ThumbnailImage? picture, CancellationToken cancellationToken)
    {
        if (picture is null)
        {
            await thumbnails.DeleteAsync(jobId, kind, cancellationToken);
            return;
        }

        if (picture.Jpeg is null)
        {
            LogSkipped(logger, jobId, $"no {kind} thumbnail: {picture.Problem}");
            await thumbnails.DeleteAsync(jobId, kind, cancellationToken);
            return;
        }

        await thumbnails.SaveAsync(new ThumbnailStore.Thumbnail(jobId, kind, picture.Jpeg, picture.Width, picture.Height, time.GetUtcNow()), cancellationToken);
        LogMade(logger, jobId, kind, picture.Width, picture.Height, picture.Jpeg.Length);
    }

    private MediaFile? Open(string jobId, MediaRef media, string what)
    {
        try
        {
            return roots.OpenFile(media);
        }
        catch (MediaAccessException ex)
        {
            LogSkipped(logger, jobId, $"its {what} {media.Root}:{media.Path} cannot be opened: {ex.Message}");
            return null;
        }
    }

    private void OnCommitted(StoreCommit commit)
    {
        // Another coordinator's commit does not say which jobs ended: each job it touched is looked at.
        foreach (var jobId in commit.EndedJobs ?? commit.ChangedJobs) _ended.Writer.TryWrite(jobId);
    }
}
