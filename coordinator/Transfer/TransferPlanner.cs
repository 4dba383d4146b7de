using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Transfer;

/// <summary>
/// What a task would move over the network: its input and LUT as blobs (hash and size). The dispatcher asks
/// it to prefer agents that already hold the input, and to list the blobs in a transfer agent's assignment.
/// </summary>
public sealed partial class TransferPlanner(BlobIndex index, ChunkPieces pieces, ILogger<TransferPlanner> logger)
{
    /// <summary>The task's input as a blob (null for a task without one).</summary>
    /// <exception cref="BlobUnreadableException">The input cannot be read beneath its root, or did not answer in time: the job's own failure.</exception>
    public async Task<BlobRef?> InputAsync(Assignment work, CancellationToken cancellationToken) =>
        await DescribeAsync(work.Input, cancellationToken);

    /// <summary>
    /// Before a chunk task is claimed for a transfer agent: cuts its piece now (when one pays), so the attempt's lease,
    /// which starts at the claim, does not run while the coordinator cuts; <see cref="AddBlobsAsync"/> then finds it.
    /// </summary>
    public async Task PrepareAsync(Assignment work, BlobRef? input, Func<string, bool> holds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(holds);
        if (work.Kind == TaskKind.Chunk && input is not null && !holds(input.Sha256)) await pieces.CutAsync(work, input, cancellationToken, count: false);
    }

    /// <summary>
    /// Adds the task's blobs (<see cref="TaskFiles"/>: input, LUT, and for a stitch the chunk and audio files) to an
    /// assignment for an agent in transfer mode. A chunk task gets a piece cut from the input instead of the whole
    /// input when <see cref="ChunkPieces"/> finds that pays (the agent does not hold the input, and the piece is
    /// much smaller).
    /// </summary>
    /// <param name="work">The assignment, changed in place.</param>
    /// <param name="holds">Whether the agent already holds a blob (by SHA-256).</param>
    /// <param name="cancellationToken">Stops hashing or cutting.</param>
    /// <exception cref="BlobUnreadableException">A file of the task cannot be read beneath its root, or did not answer in time.</exception>
    public async Task AddBlobsAsync(Assignment work, Func<string, bool> holds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(holds);
        foreach (var media in TaskFiles.Of(work))
        {
            if (await DescribeAsync(media, cancellationToken) is not { } blob) continue;
            if (ReferenceEquals(media, work.Input) && work.Kind == TaskKind.Chunk && !holds(blob.Sha256)
                && await pieces.CutAsync(work, blob, cancellationToken) is { } piece)
            {
                work.Piece = piece;
                continue;
            }

            work.Blobs.Add(blob);
        }
    }

    private async Task<BlobRef?> DescribeAsync(MediaRef? media, CancellationToken cancellationToken)
    {
        if (media is not { Root.Length: > 0 }) return null;
        try
        {
            return await index.DescribeAsync(media, cancellationToken);
        }
        catch (BlobUnreadableException ex)
        {
            Log.CannotHash(logger, media.Root, media.Path, ex.Message);
            throw;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CannotHash(logger, media.Root, media.Path, ex.Message);
            throw new BlobUnreadableException($"{media.Root}:{media.Path} cannot be read: {ex.Message}", ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot hash {Root}:{Path} for a transfer: {Error}")]
        public static partial void CannotHash(ILogger logger, string root, string path, string error);
    }
}
