using Prometheus;
using Grpc.Core;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Media;
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
    MediaRoots roots,
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
        if (blob is null || !BelongsTo(work, blob.Path))
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
        await using var stream = new FileStream(blob.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
        stream.Position = offset;
        var chunk = options.Value.ChunkBytes;
        long sent = 0;
        var buffer = new byte[chunk];

        // One buffer for the whole stream: a write has serialized the message when it completes.
        while (offset < blob.Size)
        {
            var data = buffer.AsMemory(0, (int)Math.Min(chunk, blob.Size - offset));
            await stream.ReadExactlyAsync(data, cancellationToken);
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

    /// <summary>Whether <paramref name="path"/> is one of the task's files (<see cref="TaskFiles"/>) or a piece cut for it.</summary>
    private bool BelongsTo(Assignment work, string path) =>
        TaskFiles.Of(work).Any(f => roots.ToLocalPath(f) == path) || pieces.Serves(work, path);
}
