using Grpc.Core;
using RenderFarm.Agent.Execution;
using RenderFarm.Protos.Transfer;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Transfer;

/// <summary>
/// Sends a verified output to the coordinator, which publishes it. Each try first asks how many bytes the
/// coordinator holds and continues from there, so a cut stream or a damaged chunk costs only what was lost.
/// A refusal because the lease has ended is final: the output is discarded, like a refused publish.
/// </summary>
public sealed partial class OutputUploader(TransferClient client, AgentBandwidth bandwidth, TransferOptions options, ILogger<OutputUploader> logger, Observability.AgentMetrics? metrics = null)
{
    /// <summary>Upload streams that continued from a non-zero offset (since the agent started).</summary>
    public long Resumes => Interlocked.Read(ref _resumes);

    private long _resumes;

    /// <returns>Where the coordinator published the output.</returns>
    /// <param name="output">What the agent verified: its SHA-256 is checked by the coordinator, and the whole description is recorded with the publish grant.</param>
    public async Task<string> UploadAsync(string agentId, string attemptId, string path, OutputInfo output, Action<long> onBytes, CancellationToken cancellationToken)
    {
        var size = new FileInfo(path).Length;
        var failures = 0;
        while (true)
        {
            try
            {
                var status = await client.GetUploadStatusAsync(new GetUploadStatusRequest { AgentId = agentId, AttemptId = attemptId }, cancellationToken);
                var offset = (long)status.ReceivedBytes;
                if (offset > size) throw new InvalidDataException($"the coordinator holds {offset} bytes of a {size}-byte output");
                if (offset > 0) Interlocked.Increment(ref _resumes);
                var response = await SendFromAsync(agentId, attemptId, path, size, offset, output, onBytes, cancellationToken);
                if (response.Published) return response.Path;
                throw new InvalidDataException("the upload ended before the coordinator published the output");
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.FailedPrecondition && ex.Status.Detail.Contains("live lease", StringComparison.Ordinal))
            {
                throw new PublishRefusedException(ex.Status.Detail);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.AlreadyExists)
            {
                throw new RenderFailedException(FailureClass.BadInput, ex.Status.Detail);
            }
            catch (Exception ex) when (TransferRetry.IsRetryable(ex, cancellationToken) && ++failures <= options.MaxRetries)
            {
                Log.Retrying(logger, attemptId, failures, ex.Message);
                await Task.Delay(TransferRetry.Delay(options.RetryDelay, failures), cancellationToken);
            }
        }
    }

    private async Task<UploadOutputResponse> SendFromAsync(
        string agentId, string attemptId, string path, long size, long offset, OutputInfo output, Action<long> onBytes, CancellationToken cancellationToken)
    {
        using var call = client.UploadOutput(cancellationToken);
        try
        {
            using var reader = new ChunkFileReader(path, offset, size, options.ChunkBytes);

            // The next chunk is read while this one is sent; a write has serialized its message when it completes.
            while (offset < size)
            {
                var data = await reader.NextAsync(cancellationToken);
                if (data.IsEmpty) throw new InvalidDataException($"the output ended at byte {offset}, before its {size} bytes");
                await bandwidth.TakeAsync(data.Length, cancellationToken);
                metrics?.Uploaded(data.Length);
                await call.RequestStream.WriteAsync(new UploadOutputRequest
                {
                    AgentId = agentId,
                    AttemptId = attemptId,
                    Offset = (ulong)offset,
                    Data = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(data),
                    Checksum = ChunkChecksum.Of(data.Span),
                }, cancellationToken);
                offset += data.Length;
                onBytes(offset);
            }

            await call.RequestStream.WriteAsync(new UploadOutputRequest
            {
                AgentId = agentId, AttemptId = attemptId, Offset = (ulong)offset, Finish = true, SizeBytes = (ulong)size, Sha256 = output.Sha256, Output = output,
            }, cancellationToken);
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            // The coordinator ended the call (a damaged chunk, a refusal): its status says why.
            await call.ResponseAsync;
            throw;
        }

        return await call.ResponseAsync;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Upload of attempt {AttemptId}'s output resumes (try {Try}): {Error}")]
        public static partial void Retrying(ILogger logger, string attemptId, int @try, string error);
    }
}
