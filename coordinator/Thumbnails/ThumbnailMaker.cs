using System.Diagnostics;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Media;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>
/// Makes the thumbnails of one succeeded job (asked for by <see cref="ThumbnailsOnDemand"/>, which makes sure each job
/// has at most one making at a time): the job's output is opened beneath its media root and checked against the size
/// the job recorded, and its pictures are read from that open file: the <see cref="PosterFrame"/>, for a clip of at
/// least <see cref="ThumbnailOptions.ContactSheetMinDuration"/> a <see cref="ContactSheet"/>, and for a graded job a
/// poster of its source at the same time, through the same display chain without the grade. They go to
/// <see cref="ThumbnailStore"/>, the poster last (a job with a poster has all it will get), stamped with the time the
/// job was read (never before its end time), so a poster older than the job's end time is of an earlier run. A picture
/// that cannot be made is logged and remembered in <see cref="ThumbnailFailures"/>; the job itself never changes.
/// </summary>
public sealed partial class ThumbnailMaker(
    IJobStore store, MediaRoots roots, PosterFrame poster, ContactSheet sheet, SourceColour sourceColour, ThumbnailStore thumbnails,
    ThumbnailFailures failures, IOptions<ThumbnailOptions> options, TimeProvider time, ILogger<ThumbnailMaker> logger)
{
    /// <summary>Whether a stored picture was made of the job's current run (not before the job last ended).</summary>
    public static bool IsCurrent(ThumbnailStore.Thumbnail? thumbnail, JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return thumbnail is not null && job.EndTime is { } end && thumbnail.Created >= end;
    }

    /// <summary>
    /// Makes and stores the thumbnails of the job as the store has it now, unless it did not succeed or its poster is
    /// current already. When the poster cannot be made, the reason is remembered in <see cref="ThumbnailFailures"/> for
    /// the job's end time. Cancelling stops ffmpeg and leaves the job without a current poster (asked again, it is made again).
    /// </summary>
    public async Task MakeAsync(string jobId, CancellationToken cancellationToken)
    {
        var readAt = time.GetUtcNow();
        var job = await store.FindJobAsync(jobId, cancellationToken);
        if (job is not { State: JobState.Succeeded, Result: { } result, EndTime: { } endTime } || result.Width == 0) return;
        if (IsCurrent(await thumbnails.FindAsync(jobId, cancellationToken), job)) return;
        var clock = Stopwatch.StartNew();
        var made = readAt > endTime ? readAt : endTime;
        var problem = await MakeAsync(job, result, made, cancellationToken);
        if (problem is null)
        {
            failures.Forget(jobId);
            LogMadeAll(logger, jobId, clock.ElapsedMilliseconds);
            return;
        }

        LogSkipped(logger, jobId, problem);
        failures.Remember(jobId, ThumbnailKind.Poster, endTime, problem);
    }

    private async Task<string?> MakeAsync(JobRecord job, OutputInfo result, DateTimeOffset made, CancellationToken cancellationToken)
    {
        var tasks = await store.GetTasksAsync(job.Id, cancellationToken);
        // A chunked job's output is its probe task's; a whole-file job's is its render task's. Its source is that task's input.
        var work = (tasks.FirstOrDefault(t => t.Kind == TaskKind.Probe) ?? tasks.FirstOrDefault(t => t.Kind is TaskKind.Render or TaskKind.Unspecified))?.Work;
        if (work?.Output is not { } output) return "the job has no output file to make a picture of";

        var (file, openProblem) = Open(output, "output");
        if (file is null) return $"{openProblem}; it was moved or removed after the job succeeded (put it back, or render it again)";
        using (file)
        {
            if (result.SizeBytes > 0 && (ulong)file.Length != result.SizeBytes)
            {
                return $"its output {output.Root}:{output.Path} is {file.Length} bytes, not the {result.SizeBytes} bytes the job verified: "
                    + "it was replaced or changed after the job succeeded";
            }

            var colour = PictureColour.Of(result);
            var seconds = result.DurationSeconds * PosterFrame.Position;
            var picture = await poster.MakeAsync(file, colour, seconds, cancellationToken);
            if (picture.Jpeg is null) return picture.Problem!;

            var o = options.Value;
            await KeepAsync(job, ThumbnailKind.ContactSheet, result.DurationSeconds >= o.ContactSheetMinDuration.TotalSeconds
                ? await sheet.MakeAsync(file, colour, result.DurationSeconds, cancellationToken)
                : null, made, cancellationToken);
            await KeepAsync(job, ThumbnailKind.Source, job.Spec.Grade is not null && work.Input is { } input
                ? await SourcePosterAsync(input, seconds, cancellationToken)
                : null, made, cancellationToken);
            await KeepAsync(job, ThumbnailKind.Poster, picture, made, cancellationToken);
            return null;
        }
    }

    /// <summary>The source's frame at the poster's time, through the display chain of its own colour (no grade).</summary>
    private async Task<ThumbnailImage> SourcePosterAsync(MediaRef input, double seconds, CancellationToken cancellationToken)
    {
        var (file, problem) = Open(input, "source");
        if (file is null) return ThumbnailImage.Failed(problem!);
        using (file)
        {
            var (colour, colourProblem) = await sourceColour.ReadAsync(file, cancellationToken);
            return colour is null ? ThumbnailImage.Failed(colourProblem!) : await poster.MakeAsync(file, colour, seconds, cancellationToken);
        }
    }

    /// <summary>Stores a picture of a kind; a failed one is logged and remembered, and none (the job no longer calls for it) removes an old one.</summary>
    private async Task KeepAsync(JobRecord job, ThumbnailKind kind, ThumbnailImage? picture, DateTimeOffset made, CancellationToken cancellationToken)
    {
        if (picture?.Jpeg is null)
        {
            if (picture is not null)
            {
                LogSkipped(logger, job.Id, $"no {ThumbnailKindNames.Of(kind)} thumbnail: {picture.Problem}");
                failures.Remember(job.Id, kind, job.EndTime, picture.Problem!);
            }

            await thumbnails.DeleteAsync(job.Id, kind, cancellationToken);
            return;
        }

        await thumbnails.SaveAsync(new ThumbnailStore.Thumbnail(job.Id, kind, picture.Jpeg, picture.Width, picture.Height, made), cancellationToken);
        LogMade(logger, job.Id, kind, picture.Width, picture.Height, picture.Jpeg.Length);
    }

    private (MediaFile? File, string? Problem) Open(MediaRef media, string what)
    {
        try
        {
            return (roots.OpenFile(media), null);
        }
        catch (MediaAccessException ex)
        {
            return (null, $"its {what} {media.Root}:{media.Path} cannot be opened: {ex.Message}");
        }
    }
}
