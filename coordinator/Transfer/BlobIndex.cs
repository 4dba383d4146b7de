using System.Collections.Concurrent;
using System.Security.Cryptography;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Transfer;

/// <summary>
/// The SHA-256 of the coordinator's input files, computed once per file version (path, size and last write
/// time) and remembered, and the way back from a hash to the file that serves it.
/// </summary>
public sealed class BlobIndex(TransferMetrics metrics)
{
    private readonly ConcurrentDictionary<(string Path, long Size, DateTime Written), Lazy<Task<string>>> _hashes = new();
    private readonly ConcurrentDictionary<string, Blob> _blobs = new();

    /// <summary>A file that serves a hash, as it was when hashed.</summary>
    public sealed record Blob(string Sha256, string Path, long Size, DateTime Written);

    /// <summary>The blob reference of a file: its hash (computed now unless this version was hashed before) and size.</summary>
    public async Task<BlobRef> DescribeAsync(MediaRef media, string localPath, CancellationToken cancellationToken)
    {
        var info = new FileInfo(localPath);
        if (!info.Exists) throw new FileNotFoundException($"{media.Root}:{media.Path} no longer exists", localPath);
        var key = (localPath, info.Length, info.LastWriteTimeUtc);
        var lazy = _hashes.GetOrAdd(key, k => new Lazy<Task<string>>(() => HashAsync(k.Path, k.Size)));
        string sha;
        try
        {
            sha = await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _hashes.TryRemove(new(key, lazy));
            throw;
        }

        _blobs[sha] = new Blob(sha, localPath, info.Length, info.LastWriteTimeUtc);
        return new BlobRef { Media = media, Sha256 = sha, SizeBytes = (ulong)info.Length };
    }

    /// <summary>The file serving <paramref name="sha256"/>, if it is still the version that was hashed.</summary>
    public Blob? Find(string sha256)
    {
        if (!_blobs.TryGetValue(sha256, out var blob)) return null;
        var info = new FileInfo(blob.Path);
        return info.Exists && info.Length == blob.Size && info.LastWriteTimeUtc == blob.Written ? blob : null;
    }

    private async Task<string> HashAsync(string path, long size)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
        var hash = await SHA256.HashDataAsync(stream);
        metrics.Hashed.Inc(size);
        return Convert.ToHexStringLower(hash);
    }
}
