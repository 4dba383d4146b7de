using System.Security.Cryptography;
using Grpc.Core;
using RenderFarm.Protos.Transfer;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Transfer;

/// <summary>
/// Fetches one blob into a file: chunk by chunk, each checked against its checksum before it is written;
/// after a cut stream or a damaged chunk it asks again from the bytes it holds, so nothing is fetched twice;
/// the whole file must match the blob's SHA-256 before anyone uses it. Chunks arrive in pooled buffers and are
/// written and hashed on a task of their own (<see cref="ChunkFileWriter"/>) while the next ones arrive; the file
/// is flushed to disk once, at the end, before it is verified and handed over.
/// </summary>
public sealed partial class BlobDownloader(TransferClient client, AgentBandwidth bandwidth, TransferOptions options, ILogger<BlobDownloader> logger, Observability.AgentMetrics? metrics = null)
{
    /// <summary>Chunks that arrived damaged and were fetched again (since the agent started).</summary>
    public long RejectedChunks => Interlocked.Read(ref _rejected);

    /// <summary>Download streams that continued from a non-zero offset (since the agent started).</summary>
    public long Resumes => Interlocked.Read(ref _resumes);

    private long _rejected;
    private long _resumes;

    /// <param name="onBytes">Called with the bytes held so far after each chunk.</param>
    public async Task DownloadAsync(string agentId, string attemptId, BlobRef blob, string path, Action<long> onBytes, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
        var writer = new ChunkFileWriter(file, hash);
        try
        {
            await ReceiveAsync(agentId, attemptId, blob, writer, onBytes, cancellationToken);
            await writer.CompleteAsync();
        }
        finally
        {
            await writer.DisposeAsync();
        }

        file.Flush(flushToDisk: true);
        var sha = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (sha != blob.Sha256) throw new InvalidDataException($"the downloaded blob has sha256 {sha}, not {blob.Sha256}");
    }

    /// <summary>Hands every byte of the blob to <paramref name="writer"/> in order, asking again from the bytes held after a failure.</summary>
    private async Task ReceiveAsync(string agentId, string attemptId, BlobRef blob, ChunkFileWriter writer, Action<long> onBytes, CancellationToken cancellationToken)
    {
        long have = 0;
        var failures = 0;
        var size = (long)blob.SizeBytes;
        while (have < size)
        {
            if (have > 0) Interlocked.Increment(ref _resumes);
            try
            {
                using var call = client.DownloadBlob(new DownloadBlobRequest { AgentId = agentId, AttemptId = attemptId, Sha256 = blob.Sha256, Offset = (ulong)have }, cancellationToken);
                await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    if (chunk.Offset != (ulong)have)
                    {
                        chunk.Dispose();
                        throw new InvalidDataException($"chunk at offset {chunk.Offset} where {have} was expected");
                    }

                    if (!chunk.IsIntact)
                    {
                        chunk.Dispose();
                        Interlocked.Increment(ref _rejected);
                        Log.DamagedChunk(logger, blob.Sha256, have);
                        throw new InvalidDataException($"the chunk at offset {have} of blob {blob.Sha256} arrived damaged");
                    }

                    var length = chunk.Data.Length;
                    await bandwidth.TakeAsync(length, cancellationToken);
                    metrics?.Downloaded(length);
                    await writer.AddAsync(chunk, cancellationToken);
                    have += length;
                    failures = 0;
                    onBytes(have);
                }

                if (have < size) throw new InvalidDataException($"the download of blob {blob.Sha256} ended at {have} of {size} bytes");
            }
            catch (Exception ex) when (ex is not TransferWriteException && TransferRetry.IsRetryable(ex, cancellationToken) && ++failures <= options.MaxRetries)
            {
                Log.Retrying(logger, blob.Sha256, have, failures, ex.Message);
                await Task.Delay(TransferRetry.Delay(options.RetryDelay, failures), cancellationToken);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Chunk at offset {Offset} of blob {Sha256} arrived damaged; asking for it again")]
        public static partial void DamagedChunk(ILogger logger, string sha256, long offset);

        [LoggerMessage(Level = LogLevel.Information, Message = "Download of blob {Sha256} resumes at offset {Offset} (try {Try}): {Error}")]
        public static partial void Retrying(ILogger logger, string sha256, long offset, int @try, string error);
    }
}
