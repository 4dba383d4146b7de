using Prometheus;
using Grpc.Core;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Protos.Transfer;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Transfer;

/// <summary>
/// Serves a task's input and LUT to the agent that holds the attempt's lease: from any offset (so a cut
/// download resumes), in chunks that each carry a checksum, within the bandwidth limits. A finished
/// download is remembered, so later tasks on the same input prefer that agent.
/// </summary>
public sealed class BlobServer(
    TransferLeases leases,
    BlobIndex index,
    AgentRegistry agents,
    TransferBandwidth bandwidth,
    TransferMetrics metrics,
    TransferFaults faults,
    ChunkPieces pieces,
    IOptions<TransferOptions> options)
{
    public async Task ServeAsync(DownloadBlobRequest request, Func<DownloadBlobResponse, Task> write, CancellationToken cancellationToken)
    {
        var work = await leases.RequireLiveAsync(request.AgentId, request.AttemptId, cancellationToken);
        var blob = index.Find(request.Sha256);
        // The file is opened once, beneath its root, and checked to be the version that was hashed; every chunk of
        // this download comes from that open file, whatever happens to its name meanwhile.
        using var file = blob is not null && BelongsTo(work, blob.Media) ? index.Open(blob) : null;
        if (blob is null || file is null)
        {
            throw new TransferRefusedException(StatusCode.NotFound,
                $"blob {request.Sha256} is not a file of attempt '{request.AttemptId}', or it changed since it was assigned");
        }

        if (request.Offset > (ulong)blob.Size)
        {
            throw new TransferRefusedException(StatusCode.OutOfRange, $"offset {request.Offset} is past the end of blob {request.Sha256} ({blob.Size} bytes)");
        }

        var offset = (long)request.Offset;
        if (offset > 0) metrics.Resumed.WithLabels(TransferMetrics.Download).Inc();
        var moved = metrics.Bytes.WithLabels(TransferMetrics.Download, request.AgentId);
        using var active = metrics.Active.WithLabels(TransferMetrics.Download).TrackInProgress();
        using var reader = new ChunkFileReader(file.Handle, offset, blob.Size, options.Value.ChunkBytes, ownsFile: false);
        long sent = 0;

        // Each chunk's buffer is reused two chunks later: a write has serialized its message when it completes.
        while (offset < blob.Size)
        {
            var data = await reader.NextAsync(cancellationToken);
            if (data.IsEmpty) throw new EndOfStreamException($"blob {request.Sha256} ended at byte {offset}, before its {blob.Size} bytes");
            await bandwidth.TakeAsync(request.AgentId, data.Length, cancellationToken);
            var checksum = ChunkChecksum.Of(data.Span);
            faults.MaybeDamageDownload(data.Span);
            await write(new DownloadBlobResponse { Offset = (ulong)offset, Data = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(data), Checksum = checksum });
            moved.Inc(data.Length);
            offset += data.Length;
            sent += data.Length;
            if (faults.ShouldCutDownload(sent)) throw new TransferCutException();
        }

        agents.Find(request.AgentId)?.AddCached(blob.Sha256);
    }

    /// <summary>Whether <paramref name="media"/> is one of the task's files (<see cref="TaskFiles"/>) or a piece cut for it.</summary>
    private bool BelongsTo(Assignment work, MediaRef media) =>
        TaskFiles.Of(work).Any(f => f.Equals(media)) || pieces.Serves(work, media);
}
