using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Options;
using RenderFarm.Agent.Chunking;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Hosting;
using RenderFarm.Agent.Media;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Transfer;

/// <summary>
/// Readies an attempt on an agent in transfer mode: the task's blobs come from the cache or are downloaded
/// into it, linked under their own names into a work folder of the attempt, and the output is rendered there
/// and delivered by upload instead of a rename on shared storage.
/// </summary>
public sealed class TransferWorkspace(BlobCache cache, BlobDownloader downloader, OutputUploader uploader, IOptions<AgentOptions> options, TimeProvider time, Observability.AgentMetrics? metrics = null)
{
    /// <summary>The files of one attempt; disposing releases its blobs and removes its work folder.</summary>
    public sealed class Prepared(string folder, IReadOnlyList<BlobCache.Lease> leases) : IDisposable
    {
        /// <summary>For a render, chunk or audio task: what to render.</summary>
        public RenderRequest? Request { get; init; }

        /// <summary>For a stitch: the downloaded chunks and audio, and how the joined file is delivered.</summary>
        public StitchRequest? Stitch { get; init; }

        /// <summary>The downloaded input (for a probe).</summary>
        public string InputPath { get; init; } = "";

        /// <summary>The SHA-256 of the whole input's content (its identity for probe reuse); null when a piece stands for it.</summary>
        public string? InputSha256 { get; init; }

        public void Dispose()
        {
            foreach (var lease in leases) lease.Dispose();
            try
            {
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Removed with the next attempt's clean-up of the work folder.
            }
        }
    }

    /// <param name="step">Writes a line to the attempt's log.</param>
    /// <param name="onProgress">Receives 0 % progress while bytes move, so the coordinator sees the attempt is alive.</param>
    public async Task<Prepared> PrepareAsync(Assignment work, Action<string> step, Action<RenderProgress> onProgress, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Path.GetFullPath(options.Value.Transfer.WorkDirectory), AttemptNames.Safe(work.AttemptId));
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(Path.Combine(folder, "in"));
        Directory.CreateDirectory(Path.Combine(folder, "out"));
        var leases = new List<BlobCache.Lease>();
        try
        {
            async Task<string> Fetch(MediaRef media, string what, BlobRef? blob = null) =>
                await FetchAsync(work, media, what, folder, leases, step, onProgress, cancellationToken, blob)
                ?? throw new RenderFailedException(FailureClass.BadInput, $"the coordinator cannot read {what} {media.Path}");

            // A chunk with a piece cut for it renders from the piece; every other task from the whole input.
            var fromPiece = work.Piece?.Blob is { Media: not null };
            var input = fromPiece
                ? await Fetch(work.Piece!.Blob.Media, "input piece", work.Piece.Blob)
                : await Fetch(work.Input, "input");
            var inputSha256 = fromPiece ? null : InputBlob(work, work.Input)?.Sha256;
            var output = Path.Combine(folder, "out", "output" + MediaProbe.SafeExtension(work.Output.Path));
            switch (work.Kind)
            {
                case TaskKind.Probe:
                    return new Prepared(folder, leases) { InputPath = input, InputSha256 = inputSha256 };
                case TaskKind.Stitch:
                    var plan = work.Stitch ?? throw new RenderFailedException(FailureClass.BadInput, "the stitch task names no chunks");
                    var chunks = new List<string>();
                    foreach (var chunk in plan.Chunks) chunks.Add(await Fetch(chunk, "chunk"));
                    var audio = plan.Audio is { Root.Length: > 0 } ? await Fetch(plan.Audio, "audio") : null;
                    return new Prepared(folder, leases)
                    {
                        InputPath = input,
                        InputSha256 = inputSha256,
                        Stitch = new StitchRequest(work.AttemptId, input, output, chunks, plan.ChunkDurations.ToList(), audio, (long)plan.ExpectedFrames,
                            WorkFolder: null, work.Settings, work.Grade, work.Lut is { Root.Length: > 0 }, Overwrite: true,
                            SourceEnd: plan.SourceLastFrameSeconds > 0 ? (plan.SourceLastFrameSeconds, plan.SourceLastStepSeconds) : null,
                            Deliver: (rendered, info, ct) => DeliverAsync(work, rendered, info, step, ct), ChunkOutputs: plan.ChunkOutputs, Source: plan.Source,
                            SourceSha256: inputSha256),
                    };
            }

            string? lut = null;
            if (work.Lut is { Root.Length: > 0 }) lut = await Fetch(work.Lut, "LUT");
            var final = work.FinalOutput is { Root.Length: > 0 } ? Path.Combine(folder, "out", "final" + MediaProbe.SafeExtension(work.FinalOutput.Path)) : null;
            var request = new RenderRequest(work.AttemptId, input, output, lut, work.Settings, work.Grade, Overwrite: true,
                EndedAttempts: work.EndedAttemptIds, Deliver: (rendered, info, ct) => DeliverAsync(work, rendered, info, step, ct),
                Chunk: work.Kind == TaskKind.Chunk ? work.Chunk : null, AudioOnly: work.Kind == TaskKind.Audio, FinalOutputPath: final,
                FromPiece: work.Kind == TaskKind.Chunk && fromPiece, KnownSource: work.KnownSource,
                InputSha256: fromPiece ? work.Piece!.Blob.Sha256 : inputSha256);
            return new Prepared(folder, leases) { InputPath = input, InputSha256 = inputSha256, Request = request };
        }
        catch
        {
            new Prepared(folder, leases).Dispose();
            throw;
        }
    }

    private static BlobRef? InputBlob(Assignment work, MediaRef media) =>
        work.Blobs.FirstOrDefault(b => b.Media is not null && b.Media.Root == media.Root && b.Media.Path == media.Path);

    private async Task<string?> FetchAsync(
        Assignment work, MediaRef media, string what, string folder, List<BlobCache.Lease> leases, Action<string> step, Action<RenderProgress> onProgress,
        CancellationToken cancellationToken, BlobRef? piece = null)
    {
        var blob = piece ?? InputBlob(work, media);
        if (blob is null) return null;
        var started = Stopwatch.GetTimestamp();
        var lastNote = time.GetUtcNow();
        BlobCache.Lease lease;
        try
        {
            lease = await cache.AcquireAsync(blob.Sha256, (long)blob.SizeBytes, (partial, ct) =>
            {
                step($"downloading {what} {media.Path} ({blob.SizeBytes} bytes, sha256 {blob.Sha256})");
                return downloader.DownloadAsync(options.Value.Name, work.AttemptId, blob, partial, have =>
                {
                    var now = time.GetUtcNow();
                    if (now - lastNote < TimeSpan.FromSeconds(1)) return;
                    lastNote = now;
                    onProgress(new RenderProgress(0, 0, 0, 0));
                    step($"downloading {what}: {have} of {blob.SizeBytes} bytes");
                }, ct);
            }, cancellationToken);
        }
        catch (CacheFullException full)
        {
            throw new RenderFailedException(FailureClass.Transient, full.Message, inner: full);
        }
        catch (InvalidDataException damaged)
        {
            throw new RenderFailedException(FailureClass.Transient, $"download of {what} {media.Path} failed: {damaged.Message}", inner: damaged);
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.FailedPrecondition)
        {
            throw new PublishRefusedException(ex.Status.Detail);
        }
        catch (RpcException ex)
        {
            throw new RenderFailedException(FailureClass.Transient, $"download of {what} {media.Path} failed: {ex.Status.Detail}", inner: ex);
        }

        leases.Add(lease);
        metrics?.CacheRequest(hit: !lease.Downloaded);
        step(lease.Downloaded
            ? $"downloaded {what} {media.Path} and verified its sha256 in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.##} s"
            : $"{what} {media.Path} is in the transfer cache (sha256 {blob.Sha256}); nothing to download");
        // One folder per blob, so two files of the task with the same name (a source called chunk-0000.mp4) never collide.
        var link = Path.Combine(folder, "in", leases.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), SafeName(media.Path, what));
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, lease.Path);
        return link;
    }

    private async Task<string> DeliverAsync(Assignment work, string rendered, OutputInfo info, Action<string> step, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        step($"uploading the output ({info.SizeBytes} bytes) to the coordinator");
        string path;
        try
        {
            path = await uploader.UploadAsync(options.Value.Name, work.AttemptId, rendered, info, _ => { }, cancellationToken);
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RpcException ex)
        {
            throw new RenderFailedException(FailureClass.Transient, $"upload of the output failed: {ex.Status.Detail}", inner: ex);
        }

        step($"the coordinator verified the upload and published {path} in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.##} s");
        return path;
    }

    /// <summary>The file's own name when it is plain, so messages name it; otherwise a fixed name with its extension.</summary>
    private static string SafeName(string mediaPath, string what)
    {
        var name = Path.GetFileName(mediaPath);
        return name.Length is > 0 and <= 200 && !name.StartsWith('.') && name.All(c => char.IsLetterOrDigit(c) || c is ' ' or '.' or '_' or '-' or '(' or ')')
            ? name
            : what.ToLowerInvariant() + MediaProbe.SafeExtension(mediaPath);
    }
}
