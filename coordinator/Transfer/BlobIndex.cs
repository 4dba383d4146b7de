using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Media;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Transfer;

/// <summary>
/// The SHA-256 of the coordinator's input files, computed once per file version (the file's identity, size and last
/// write time, read from the open file, not from its name) and remembered, and the way back from a hash to the file
/// that serves it. Every file is opened once, beneath its media root (<see cref="MediaRoots.OpenFile"/>), and that
/// open file is what is hashed; a FIFO, device or link out of the root is refused at the open, without blocking.
/// Hashing runs off the caller's thread and is bounded by <see cref="TransferOptions.FileTimeout"/>: a file that does
/// not answer in time is refused (<see cref="BlobUnreadableException"/>), so it fails its own job, nobody else's.
/// </summary>
public sealed class BlobIndex(TransferMetrics metrics, MediaRoots roots, IOptions<TransferOptions> options)
{
    private readonly ConcurrentDictionary<(string Root, string Path, FileIdentity Identity, long Size, DateTimeOffset Written), Lazy<Task<string>>> _hashes = new();
    private readonly ConcurrentDictionary<string, Blob> _blobs = new();

    /// <summary>A file that serves a hash, as it was when hashed.</summary>
    public sealed record Blob(string Sha256, MediaRef Media, FileIdentity Identity, long Size, DateTimeOffset Written);

    /// <summary>The blob reference of a file: its hash (computed now unless this version was hashed before) and size.</summary>
    /// <exception cref="BlobUnreadableException">The file cannot be opened beneath its root, is not a regular file, or did not answer in time.</exception>
    public async Task<BlobRef> DescribeAsync(MediaRef media, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(media);
        MediaFile file;
        try
        {
            file = roots.OpenFile(media);
        }
        catch (MediaAccessException ex)
        {
            throw new BlobUnreadableException($"{media.Root}:{media.Path} cannot be read: {ex.Message}", ex);
        }

        var facts = file.Facts;
        var key = (media.Root, media.Path, facts.Identity, facts.Length, facts.LastWrite);
        var lazy = _hashes.GetOrAdd(key, _ => new Lazy<Task<string>>(() => Task.Run(() => HashAsync(file))));
        var hashing = lazy.Value;
        // The file opened here is the one hashed if this call started the hash; either way it is closed when the hash ends.
        _ = hashing.ContinueWith(_ => file.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        string sha;
        try
        {
            sha = await hashing.WaitAsync(options.Value.FileTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            _hashes.TryRemove(new(key, lazy));
            throw new BlobUnreadableException(
                $"{media.Root}:{media.Path} did not answer: hashing it took longer than {options.Value.FileTimeout} (Coordinator:Transfer:FileTimeout)");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _hashes.TryRemove(new(key, lazy));
            throw new BlobUnreadableException($"{media.Root}:{media.Path} cannot be read: {ex.Message}", ex);
        }

        _blobs[sha] = new Blob(sha, media, facts.Identity, facts.Length, facts.LastWrite);
        return new BlobRef { Media = media, Sha256 = sha, SizeBytes = (ulong)facts.Length };
    }

    /// <summary>The file that served <paramref name="sha256"/> when it was hashed (check it with <see cref="Open"/>).</summary>
    public Blob? Find(string sha256) => _blobs.TryGetValue(sha256, out var blob) ? blob : null;

    /// <summary>
    /// Opens the file of <paramref name="blob"/> beneath its root, once, and returns it only if it is still the file
    /// and version that was hashed (identity, size and last write time of the open file); the caller serves from it.
    /// </summary>
    public MediaFile? Open(Blob blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        MediaFile file;
        try
        {
            file = roots.OpenFile(blob.Media);
        }
        catch (MediaAccessException)
        {
            return null;
        }

        if (file.Identity == blob.Identity && file.Length == blob.Size && file.Facts.LastWrite == blob.Written) return file;
        file.Dispose();
        return null;
    }

    /// <summary>The SHA-256 of the open file's first <see cref="MediaFile.Length"/> bytes: the bytes that will be served.</summary>
    private async Task<string> HashAsync(MediaFile file)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long at = 0;
        while (at < file.Length)
        {
            var read = await RandomAccess.ReadAsync(file.Handle, buffer.AsMemory(0, (int)Math.Min(buffer.Length, file.Length - at)), at);
            if (read == 0) throw new EndOfStreamException($"the file ended at byte {at}, before its {file.Length} bytes");
            hash.AppendData(buffer, 0, read);
            at += read;
        }

        metrics.Hashed.Inc(file.Length);
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }
}
