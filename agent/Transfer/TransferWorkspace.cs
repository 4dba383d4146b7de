using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Options;
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
public sealed class TransferWorkspace(BlobCache cache, BlobDownloader downloader, OutputUploader uploader, IOptions<AgentOptions> options, TimeProvider time)
{
    /// <summary>The files of one attempt; disposing releases its blobs and removes its work folder.</summary>
    public sealed class Prepared(RenderRequest request, string folder, IReadOnlyList<BlobCache.Lease> leases) : IDisposable
    {
        public RenderRequest Request { get; } = request;

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
        var agentId = options.Value.Name;
        var folder = Path.Combine(Path.GetFullPath(options.Value.Transfer.WorkDirectory), AttemptNames.Safe(work.AttemptId));
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(Path.Combine(folder, "in"));
        Directory.CreateDirectory(Path.Combine(folder, "out"));
        var leases = new List<BlobCache.Lease>();
        try
        {
            var input = await FetchAsync(work, work.Input, "input", folder, leases, step, onProgress, cancellationToken)
                ?? throw new RenderFailedException(FailureClass.BadInput, $"the coordinator cannot read input {work.Input?.Path}");
            string? lut = null;
            if (work.Lut is { Root.Length: > 0 })
            {
                lut = await FetchAsync(work, work.Lut, "LUT", folder, leases, step, onProgress, cancellationToken)
                    ?? throw new RenderFailedException(FailureClass.BadInput, $"the coordinator cannot read LUT {work.Lut.Path}");
            }

            var output = Path.Combine(folder, "out", "output" + MediaProbe.SafeExtension(work.Output.Path));
            var request = new RenderRequest(work.AttemptId, input, output, lut, work.Settings, work.Grade, Overwrite: true,
                EndedAttempts: work.EndedAttemptIds, Deliver: (rendered, info, ct) => DeliverAsync(work, rendered, info, step, ct));
            return new Prepared(request, folder, leases);
        }
        catch
        {
            new Prepared(null!, folder, leases).Dispose();
            throw;
        }
    }

    private async Task<string?> FetchAsync(
        Assignment work, MediaRef media, string what, string folder, List<BlobCache.Lease> leases, Action<string> step, Action<RenderProgress> onProgress, CancellationToken cancellationToken)
    {
        var blob = work.Blobs.FirstOrDefault(b => b.Media is not null && b.Media.Root == media.Root && b.Media.Path == media.Path);
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
        step(lease.Downloaded
            ? $"downloaded {what} {media.Path} and verified its sha256 in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.##} s"
            : $"{what} {media.Path} is in the transfer cache (sha256 {blob.Sha256}); nothing to download");
        var link = Path.Combine(folder, "in", SafeName(media.Path, what));
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
            path = await uploader.UploadAsync(options.Value.Name, work.AttemptId, rendered, info.Sha256, _ => { }, cancellationToken);
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
