using Prometheus;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Grpc.Core;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Media;
using RenderFarm.Coordinator.Publishing;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.Transfer;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Transfer;

/// <summary>
/// Receives outputs from agents in transfer mode. Bytes are appended to <c>.renderfarm-&lt;attempt&gt;.upload</c>
/// beside the target only after their chunk checksum matches, so the received length is always a good place
/// to resume from. The last message names the whole file's size and SHA-256; when both match, the file is not empty
/// and ffprobe reads it as media (<see cref="UploadProbe"/>), the output is published like a shared-storage output:
/// only for the attempt's live lease (the same publish grant the agents ask for), by renaming the temporary file into
/// place. The target's folder is opened beneath its media root for each request (<see cref="MediaRoots.OpenFolder"/>),
/// and the temporary file is created, appended, probed, renamed and removed by name inside that open folder, so a
/// folder swapped for a link that leads out of the root is refused, never written through.
/// </summary>
public sealed class OutputUploads(
    TransferLeases leases,
    AttemptLifecycle attempts,
    IJobStore store,
    MediaRoots roots,
    TransferBandwidth bandwidth,
    TransferMetrics metrics,
    TransferFaults faults,
    UploadProbe probe)
{
    /// <summary>Prefix and suffix of an upload's temporary file beside its target.</summary>
    public const string TempPrefix = ".renderfarm-";
    public const string TempSuffix = ".upload";

    private readonly ConcurrentDictionary<string, Upload> _uploads = new();

    private sealed class Upload(string tempName)
    {
        /// <summary>The temporary file's name in the target's folder.</summary>
        public string TempName { get; } = tempName;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public IncrementalHash Hash { get; set; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public long Length { get; set; }
    }

    public async Task<GetUploadStatusResponse> StatusAsync(GetUploadStatusRequest request, CancellationToken cancellationToken)
    {
        var work = await leases.RequireLiveAsync(request.AgentId, request.AttemptId, cancellationToken);
        var place = OpenTargetFolder(work);
        using var folder = place.Folder;
        var upload = await OpenAsync(work, request.AttemptId, folder, cancellationToken);
        await upload.Gate.WaitAsync(cancellationToken);
        try
        {
            return new GetUploadStatusResponse { ReceivedBytes = (ulong)upload.Length };
        }
        finally
        {
            upload.Gate.Release();
        }
    }

    public async Task<UploadOutputResponse> ReceiveAsync(IAsyncStreamReader<UploadChunk> requests, CancellationToken cancellationToken)
    {
        if (!await requests.MoveNext(cancellationToken))
        {
            throw new TransferRefusedException(StatusCode.InvalidArgument, "the upload stream was empty");
        }

        var first = requests.Current;
        var work = await leases.RequireLiveAsync(first.AgentId, first.AttemptId, cancellationToken);
        var place = OpenTargetFolder(work);
        using var folder = place.Folder;
        var targetName = place.Name;
        var upload = await OpenAsync(work, first.AttemptId, folder, cancellationToken);
        if (!await upload.Gate.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken))
        {
            throw new TransferRefusedException(StatusCode.Aborted, $"another upload of attempt '{first.AttemptId}' is still running");
        }

        try
        {
            if (first.Offset != (ulong)upload.Length)
            {
                throw new TransferRefusedException(StatusCode.FailedPrecondition, $"the upload must resume at offset {upload.Length}, not {first.Offset}");
            }

            if (upload.Length > 0) metrics.Resumed.WithLabels(TransferMetrics.Upload).Inc();
            using var active = metrics.Active.WithLabels(TransferMetrics.Upload).TrackInProgress();
            var last = await ReceiveChunksAsync(first, requests, upload, folder, cancellationToken);
            return last is null
                ? new UploadOutputResponse { ReceivedBytes = (ulong)upload.Length }
                : await PublishAsync(work, first, last, upload, folder, targetName, cancellationToken);
        }
        finally
        {
            upload.Gate.Release();
        }
    }

    /// <summary>
    /// Appends the stream's chunks to the upload's file: each checked against its checksum as it arrives, then
    /// written and hashed by a <see cref="ChunkFileWriter"/> (which then owns and disposes it) while the next one is
    /// received. Returns the message
    /// that finished the upload (its file then flushed to disk), or null when the stream ended before it.
    /// </summary>
    private async Task<UploadChunk?> ReceiveChunksAsync(UploadChunk first, IAsyncStreamReader<UploadChunk> requests, Upload upload, MediaDirectory folder, CancellationToken cancellationToken)
    {
        var moved = metrics.Bytes.WithLabels(TransferMetrics.Upload, first.AgentId);
        var start = upload.Length;
        long received = 0;
        await using var file = OpenTempForWriting(folder, upload);
        file.SetLength(start);
        file.Position = start;
        var writer = new ChunkFileWriter(file, upload.Hash);
        try
        {
            var message = first;
            while (true)
            {
                var data = message.Data;
                if (data.Length > 0)
                {
                    if (message.Offset != (ulong)(start + received))
                    {
                        message.Dispose();
                        throw new TransferRefusedException(StatusCode.InvalidArgument, $"chunk at offset {message.Offset} does not follow the {start + received} bytes received");
                    }

                    faults.MaybeDamageUpload(data.Span);
                    if (!message.IsIntact)
                    {
                        message.Dispose();
                        metrics.Rejected.WithLabels(TransferMetrics.Upload).Inc();
                        throw new TransferRefusedException(StatusCode.DataLoss, $"the chunk at offset {message.Offset} arrived damaged; resume from offset {start + received}");
                    }

                    await bandwidth.TakeAsync(first.AgentId, data.Length, cancellationToken);
                    received += data.Length;
                    moved.Inc(data.Length);
                    await writer.AddAsync(message, cancellationToken);

                    if (faults.ShouldCutUpload(received))
                    {
                        await writer.CompleteAsync();
                        throw new TransferCutException();
                    }
                }

                if (message.Finish)
                {
                    await writer.CompleteAsync();
                    file.Flush(flushToDisk: true);
                    return message;
                }

                if (!await requests.MoveNext(cancellationToken)) break;
                message = requests.Current;
            }

            await writer.CompleteAsync();
            return null;
        }
        finally
        {
            await writer.DisposeAsync();
            upload.Length = start + writer.Written;
            if (writer.Failed)
            {
                // The file and the hash may hold part of a chunk: forget them; the next request re-reads the file.
                _uploads.TryRemove(first.AttemptId, out _);
            }
        }
    }

    private async Task<UploadOutputResponse> PublishAsync(Assignment work, UploadChunk first, UploadChunk last, Upload upload, MediaDirectory folder, string targetName,
        CancellationToken cancellationToken)
    {
        var sha = Convert.ToHexStringLower(upload.Hash.GetCurrentHash());
        if (last.SizeBytes != (ulong)upload.Length || !string.Equals(last.Sha256, sha, StringComparison.OrdinalIgnoreCase))
        {
            Discard(first.AttemptId, upload, folder);
            throw new TransferRefusedException(StatusCode.DataLoss,
                $"the output does not match: received {upload.Length} bytes with sha256 {sha}, expected {last.SizeBytes} bytes with sha256 {last.Sha256}; upload it again from offset 0");
        }

        if (await VerifyUploadAsync(upload, folder, cancellationToken) is { } refused)
        {
            Discard(first.AttemptId, upload, folder);
            throw new TransferRefusedException(StatusCode.InvalidArgument, $"the uploaded output of attempt '{first.AttemptId}' is not published: {refused}");
        }

        // The grant records what is published (the agent's description, with the size and hash received here), so the
        // file is known as the task's own if the agent never reports (AttemptLifecycle.ExpireAsync).
        var target = roots.DisplayPath(work.Output);
        var output = last.Output?.Clone() ?? new OutputInfo();
        (output.SizeBytes, output.Sha256, output.Path) = ((ulong)upload.Length, sha, target);
        var grant = await attempts.GrantPublishAsync(first.AgentId, first.AttemptId, output, cancellationToken);
        if (!grant.Granted)
        {
            Discard(first.AttemptId, upload, folder);
            throw new TransferRefusedException(StatusCode.FailedPrecondition, grant.Reason);
        }

        if (await PublishedOutputs.HoldsAsync(folder, targetName, upload.Length, sha, cancellationToken))
        {
            // These very bytes are already in place (published before a coordinator restart cut the answer off): one
            // rename of the final name is enough.
            Discard(first.AttemptId, upload, folder);
            return new UploadOutputResponse { ReceivedBytes = (ulong)output.SizeBytes, Published = true, Path = target };
        }

        MoveIntoPlace(work, first.AttemptId, upload, folder, targetName);
        _uploads.TryRemove(first.AttemptId, out _);
        upload.Hash.Dispose();
        return new UploadOutputResponse { ReceivedBytes = (ulong)upload.Length, Published = true, Path = target };
    }

    /// <summary>
    /// Why the received file must not be published, or null: it is empty, the file at the temporary name is not the
    /// one received (its length differs), or ffprobe cannot read it as media. The open file is what is probed.
    /// </summary>
    private async Task<string?> VerifyUploadAsync(Upload upload, MediaDirectory folder, CancellationToken cancellationToken)
    {
        if (upload.Length == 0) return "it is empty (0 bytes); an empty output is never published";
        using var file = folder.OpenFile(upload.TempName);
        if (file.Length != upload.Length) return $"its temporary file holds {file.Length} bytes, not the {upload.Length} received";
        return await probe.NotMediaAsync(file, cancellationToken);
    }

    /// <summary>
    /// Renames the temporary file to the target's name inside the same open folder, atomically; an existing output is
    /// replaced only with overwrite (without it the rename itself refuses, so nothing that appeared meanwhile is lost).
    /// </summary>
    private void MoveIntoPlace(Assignment work, string attemptId, Upload upload, MediaDirectory folder, string targetName)
    {
        try
        {
            folder.Rename(upload.TempName, folder, targetName, replace: work.Overwrite);
        }
        catch (MediaAccessException ex) when (ex.Exists)
        {
            Discard(attemptId, upload, folder);
            throw new TransferRefusedException(StatusCode.AlreadyExists, $"output {work.Output.Path} appeared while rendering; set overwrite to replace it");
        }
    }

    /// <summary>The target's folder, opened (made, when missing) beneath its media root, and the target's name in it.</summary>
    private (MediaDirectory Folder, string Name) OpenTargetFolder(Assignment work)
    {
        try
        {
            return roots.OpenFolder(work.Output, create: true);
        }
        catch (MediaAccessException ex)
        {
            throw new TransferRefusedException(StatusCode.FailedPrecondition, $"the output's folder cannot be used: {ex.Message}");
        }
    }

    /// <summary>The temporary file for appending: made new (never through a link at its name) or opened as it is.</summary>
    private static FileStream OpenTempForWriting(MediaDirectory folder, Upload upload) =>
        folder.Contains(upload.TempName) ? folder.OpenForAppend(upload.TempName, bufferSize: 0) : folder.CreateFile(upload.TempName, exclusive: true, bufferSize: 0);

    /// <summary>The attempt's upload, made on first use; leftovers of the task's ended attempts are removed then.</summary>
    private async Task<Upload> OpenAsync(Assignment work, string attemptId, MediaDirectory folder, CancellationToken cancellationToken)
    {
        if (_uploads.TryGetValue(attemptId, out var known)) return known;
        await RemoveLeftoversAsync(work, attemptId, folder, cancellationToken);
        var upload = new Upload(TempPrefix + attemptId + TempSuffix);
        if (folder.Contains(upload.TempName))
        {
            // Received before a coordinator restart: its bytes were checked when they came, so hash and keep them.
            using var existing = folder.OpenFile(upload.TempName);
            await using var stream = existing.OpenRead(1 << 20);
            var buffer = new byte[1 << 20];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                upload.Hash.AppendData(buffer, 0, read);
                upload.Length += read;
            }
        }

        return _uploads.GetOrAdd(attemptId, upload);
    }

    private async Task RemoveLeftoversAsync(Assignment work, string attemptId, MediaDirectory folder, CancellationToken cancellationToken)
    {
        var ended = (await store.GetAttemptsAsync(work.JobId, cancellationToken))
            .Where(a => a.TaskId == work.TaskId && a.Id != attemptId && a.Outcome != AttemptOutcome.Running)
            .Select(a => TempPrefix + a.Id + TempSuffix);
        foreach (var leftover in ended)
        {
            try
            {
                folder.DeleteFile(leftover);
            }
            catch (IOException)
            {
                // Still open by a stream that is ending; the next attempt's upload tries again.
            }
        }
    }

    private void Discard(string attemptId, Upload upload, MediaDirectory folder)
    {
        _uploads.TryRemove(attemptId, out _);
        upload.Hash.Dispose();
        folder.DeleteFile(upload.TempName);
    }
}
