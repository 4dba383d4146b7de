using System.Text.RegularExpressions;

namespace RenderFarm.Agent.Transfer;

/// <summary>
/// Inputs and LUTs by SHA-256 in a folder of their own (<c>blobs/&lt;sha256&gt;</c>), bounded in size: room
/// for a new blob is reserved before its download starts (so partial downloads count), by removing the least
/// recently used blobs that no running attempt holds. A blob is only ever added whole and verified.
/// </summary>
public sealed partial class BlobCache
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = [];
    private readonly Dictionary<string, Task> _downloads = [];
    private readonly string _blobs;
    private readonly string _partial;
    private readonly TimeProvider _time;
    private long _reserved;

    private sealed class Entry(long size, DateTimeOffset lastUse)
    {
        public long Size { get; } = size;

        public DateTimeOffset LastUse { get; set; } = lastUse;

        public int Pins { get; set; }
    }

    /// <param name="folder">The cache's own folder; partial downloads left by an earlier run are removed.</param>
    /// <param name="limitBytes">Most bytes the cache holds, partial downloads included.</param>
    public BlobCache(string folder, long limitBytes, TimeProvider time)
    {
        LimitBytes = limitBytes;
        _time = time;
        _blobs = Path.Combine(folder, "blobs");
        _partial = Path.Combine(folder, "partial");
        Directory.CreateDirectory(_blobs);
        if (Directory.Exists(_partial)) Directory.Delete(_partial, recursive: true);
        Directory.CreateDirectory(_partial);
        foreach (var file in new DirectoryInfo(_blobs).EnumerateFiles())
        {
            if (!Sha256Name().IsMatch(file.Name))
            {
                file.Delete();
                continue;
            }

            _entries[file.Name] = new Entry(file.Length, file.LastWriteTimeUtc);
            _reserved += file.Length;
        }

        lock (_gate) EvictFor(0);
    }

    public long LimitBytes { get; }

    /// <summary>Bytes held or reserved: whole blobs plus downloads under way.</summary>
    public long UsedBytes
    {
        get
        {
            lock (_gate) return _reserved;
        }
    }

    /// <summary>The hashes of the whole blobs held now.</summary>
    public IReadOnlyList<string> Hashes
    {
        get
        {
            lock (_gate) return [.. _entries.Keys];
        }
    }

    /// <summary>A blob held for one use: its file stays until the lease is disposed.</summary>
    public sealed class Lease(BlobCache cache, string sha256, string path, bool downloaded) : IDisposable
    {
        private int _disposed;

        public string Path { get; } = path;

        /// <summary>False when the blob was already in the cache and no byte moved.</summary>
        public bool Downloaded { get; } = downloaded;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) cache.Release(sha256);
        }
    }

    /// <summary>
    /// The blob, from the cache or fetched by <paramref name="download"/> into the partial file it is given
    /// (which it must leave whole and verified). Concurrent requests for one blob share one download.
    /// </summary>
    public async Task<Lease> AcquireAsync(string sha256, long size, Func<string, CancellationToken, Task> download, CancellationToken cancellationToken)
    {
        if (!Sha256Name().IsMatch(sha256)) throw new ArgumentException($"'{sha256}' is not a lower-case SHA-256", nameof(sha256));
        while (true)
        {
            Task? running;
            TaskCompletionSource mine;
            lock (_gate)
            {
                if (_entries.TryGetValue(sha256, out var entry))
                {
                    entry.Pins++;
                    entry.LastUse = _time.GetUtcNow();
                    return new Lease(this, sha256, BlobPath(sha256), downloaded: false);
                }

                if (!_downloads.TryGetValue(sha256, out running))
                {
                    if (size > LimitBytes)
                    {
                        throw new CacheFullException($"a blob of {size} bytes does not fit the transfer cache ({LimitBytes} bytes, Agent:Transfer:CacheLimitBytes)");
                    }

                    if (!EvictFor(size))
                    {
                        throw new CacheFullException($"the transfer cache ({LimitBytes} bytes) is full of inputs that running attempts use; {size} more bytes do not fit");
                    }

                    _reserved += size;
                    mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _downloads[sha256] = mine.Task;
                    running = null;
                }
                else
                {
                    mine = null!;
                }
            }

            if (running is not null)
            {
                try
                {
                    await running.WaitAsync(cancellationToken);
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // That download failed; try our own.
                }

                continue;
            }

            var partial = Path.Combine(_partial, sha256 + ".part");
            try
            {
                await download(partial, cancellationToken);
                if (new FileInfo(partial).Length != size) throw new InvalidDataException($"blob {sha256} came with the wrong size");
                File.Move(partial, BlobPath(sha256), overwrite: true);
                File.SetLastWriteTimeUtc(BlobPath(sha256), _time.GetUtcNow().UtcDateTime);
                lock (_gate)
                {
                    _entries[sha256] = new Entry(size, _time.GetUtcNow()) { Pins = 1 };
                    _downloads.Remove(sha256);
                }

                mine.SetResult();
                return new Lease(this, sha256, BlobPath(sha256), downloaded: true);
            }
            catch (Exception ex)
            {
                File.Delete(partial);
                lock (_gate)
                {
                    _reserved -= size;
                    _downloads.Remove(sha256);
                }

                mine.SetException(ex);
                throw;
            }
        }
    }

    private string BlobPath(string sha256) => Path.Combine(_blobs, sha256);

    private void Release(string sha256)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(sha256, out var entry)) return;
            entry.Pins--;
            entry.LastUse = _time.GetUtcNow();
        }

        try
        {
            File.SetLastWriteTimeUtc(BlobPath(sha256), _time.GetUtcNow().UtcDateTime);
        }
        catch (IOException)
        {
            // Only the order of eviction after a restart depends on it.
        }
    }

    /// <summary>Removes least recently used, unpinned blobs until <paramref name="size"/> more bytes fit. Called under the lock.</summary>
    private bool EvictFor(long size)
    {
        foreach (var (sha, entry) in _entries.Where(e => e.Value.Pins == 0).OrderBy(e => e.Value.LastUse).ToList())
        {
            if (_reserved + size <= LimitBytes) break;
            File.Delete(BlobPath(sha));
            _entries.Remove(sha);
            _reserved -= entry.Size;
        }

        return _reserved + size <= LimitBytes;
    }

    [GeneratedRegex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Name();
}
