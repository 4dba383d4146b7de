using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>
/// Serves a succeeded job's thumbnails, making them when first asked for: a stored picture made since the job last
/// ended is served as it is; otherwise <see cref="ThumbnailMaker"/> makes the job's pictures, stores them and they are
/// served. Each job has at most one making at a time (two viewers asking at once share it), and at most
/// <see cref="ThumbnailOptions.MaxConcurrent"/> jobs are made at once: the others wait their turn in the order asked, so
/// a page that asks for many posters gets each as soon as it is made, without a retry loop. A making runs for its
/// askers: when every one of them has gone (the viewer left the page), it is stopped, ffmpeg with it, and nothing
/// half made is served (the poster, stored last, is missing, so the next ask makes them again). A failure answers
/// with its reason and is remembered (<see cref="ThumbnailFailures"/>), so asking again does not start ffmpeg again.
/// </summary>
public sealed partial class ThumbnailsOnDemand(
    ThumbnailMaker maker, ThumbnailStore thumbnails, ThumbnailFailures failures, IOptions<ThumbnailOptions> options, ILogger<ThumbnailsOnDemand> logger)
    : IDisposable
{
    private readonly SemaphoreSlim _turns = new(options.Value.MaxConcurrent, options.Value.MaxConcurrent);
    private readonly Dictionary<string, Flight> _flights = [];
    private readonly Lock _lock = new();

    /// <summary>How many jobs' thumbnails are being made or wait for a turn (for tests and metrics).</summary>
    public int InFlight
    {
        get
        {
            lock (_lock) return _flights.Count;
        }
    }

    /// <summary>The job's current thumbnail of that kind (unspecified = poster), made now if it has none.</summary>
    /// <exception cref="NotFoundException">The job has no such picture: it did not succeed, or the kind is not made for it.</exception>
    /// <exception cref="ThumbnailFailedException">The picture cannot be made; the message says why.</exception>
    public async Task<ThumbnailStore.Thumbnail> GetAsync(JobRecord job, ThumbnailKind kind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        kind = kind == ThumbnailKind.Unspecified ? ThumbnailKind.Poster : kind;
        var what = kind == ThumbnailKind.Poster ? "thumbnail" : $"{ThumbnailKindNames.Of(kind)} thumbnail";
        if (!options.Value.Enabled)
        {
            throw new NotFoundException($"job '{job.Id}' has no {what}: this coordinator makes none (Coordinator:Thumbnails:Enabled is false)");
        }

        if (job.State != JobState.Succeeded)
        {
            throw new NotFoundException($"job '{job.Id}' has no {what} yet: only a succeeded job has one, and this job is "
                + $"{job.State.ToString().ToUpperInvariant()}; run farmctl thumbnail once it has succeeded");
        }

        if (job.Result is not { Width: > 0 } result) throw new NotFoundException($"job '{job.Id}' has no {what}: its output has no video");

        var poster = await thumbnails.FindAsync(job.Id, cancellationToken);
        if (!ThumbnailMaker.IsCurrent(poster, job))
        {
            ThrowIfFailed(job, ThumbnailKind.Poster, what);
            await MakeOnceAsync(job, cancellationToken);
            poster = await thumbnails.FindAsync(job.Id, cancellationToken);
            if (!ThumbnailMaker.IsCurrent(poster, job))
            {
                ThrowIfFailed(job, ThumbnailKind.Poster, what);
                throw new NotFoundException($"job '{job.Id}' has no {what} yet: the job changed while its thumbnail was made; ask again");
            }
        }

        if (kind == ThumbnailKind.Poster) return poster!;
        var picture = await thumbnails.FindAsync(job.Id, cancellationToken, kind);
        if (ThumbnailMaker.IsCurrent(picture, job)) return picture!;
        ThrowIfFailed(job, kind, what);
        throw new NotFoundException($"job '{job.Id}' has no {what}: " + (kind == ThumbnailKind.ContactSheet
            ? $"a contact sheet is made for outputs at least Coordinator:Thumbnails:ContactSheetMinDuration ({options.Value.ContactSheetMinDuration.TotalSeconds:0.#} s) "
                + $"long, and this one is {result.DurationSeconds:0.#} s; ask for the poster (farmctl thumbnail without --kind)"
            : "a source poster is made for jobs with a grade or LUT; ask for the poster (farmctl thumbnail without --kind)"));
    }

    public void Dispose() => _turns.Dispose();

    private void ThrowIfFailed(JobRecord job, ThumbnailKind kind, string what)
    {
        if (failures.Find(job.Id, kind, job.EndTime) is { } problem)
        {
            throw new ThumbnailFailedException($"job '{job.Id}' has no {what}: {problem}");
        }
    }

    /// <summary>Joins the job's making, or starts it; leaving (cancelled) stops it when nobody else waits for it.</summary>
    private async Task MakeOnceAsync(JobRecord job, CancellationToken cancellationToken)
    {
        Flight flight;
        lock (_lock)
        {
            // A making for an earlier run of the job (it ended again since) is left to finish; its pictures are older.
            if (!_flights.TryGetValue(job.Id, out flight!) || flight.EndTime != job.EndTime)
            {
                flight = new Flight(job.EndTime);
                _flights[job.Id] = flight;
                flight.Work = RunAsync(job.Id, flight);
            }

            flight.Waiters++;
        }

        try
        {
            await flight.Work.WaitAsync(cancellationToken);
        }
        finally
        {
            lock (_lock)
            {
                if (--flight.Waiters == 0 && !flight.Done)
                {
                    flight.Stop.Cancel();
                    if (_flights.GetValueOrDefault(job.Id) == flight) _flights.Remove(job.Id);
                }
            }
        }
    }

    private async Task RunAsync(string jobId, Flight flight)
    {
        await Task.Yield(); // started under the lock: the making runs outside it
        try
        {
            await _turns.WaitAsync(flight.Stop.Token);
            try
            {
                await maker.MakeAsync(jobId, flight.Stop.Token);
            }
            finally
            {
                _turns.Release();
            }
        }
        catch (OperationCanceledException) when (flight.Stop.IsCancellationRequested)
        {
            LogAbandoned(logger, jobId);
        }
        finally
        {
            lock (_lock)
            {
                flight.Done = true;
                if (_flights.GetValueOrDefault(jobId) == flight) _flights.Remove(jobId);
                flight.Stop.Dispose();
            }
        }
    }

    /// <summary>One job's making: who waits for it, and how to stop it when nobody does.</summary>
    private sealed class Flight(DateTimeOffset? endTime)
    {
        public DateTimeOffset? EndTime { get; } = endTime;

        public CancellationTokenSource Stop { get; } = new();

        public Task Work { get; set; } = Task.CompletedTask;

        public int Waiters { get; set; }

        public bool Done { get; set; }
    }
}
