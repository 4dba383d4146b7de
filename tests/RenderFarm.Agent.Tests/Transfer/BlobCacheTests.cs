using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using RenderFarm.Agent.Transfer;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Transfer;

public sealed class BlobCacheTests : IDisposable
{
    private readonly TempDir _dir = new("cache");
    private readonly FakeTimeProvider _time = new();
    private int _downloads;

    public void Dispose() => _dir.Dispose();

    private static (string Sha, byte[] Bytes) Blob(int seed, int size)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return (Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes);
    }

    private Func<string, CancellationToken, Task> Writes(byte[] bytes) => async (path, ct) =>
    {
        Interlocked.Increment(ref _downloads);
        await File.WriteAllBytesAsync(path, bytes, ct);
    };

    private long BytesOnDisk() => new DirectoryInfo(_dir.Path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    private async Task<BlobCache.Lease> UseAsync(BlobCache cache, (string Sha, byte[] Bytes) blob)
    {
        var lease = await cache.AcquireAsync(blob.Sha, blob.Bytes.Length, Writes(blob.Bytes), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(1));
        return lease;
    }

    [Fact]
    public async Task Acquire_SameBlobTwice_DownloadsOnce()
    {
        var cache = new BlobCache(_dir.Path, 1000, _time);
        var blob = Blob(1, 300);

        using (var first = await UseAsync(cache, blob)) Assert.True(first.Downloaded);
        using var second = await UseAsync(cache, blob);

        Assert.False(second.Downloaded);
        Assert.Equal(1, _downloads);
        Assert.Equal(blob.Bytes, await File.ReadAllBytesAsync(second.Path));
    }

    [Fact]
    public async Task Acquire_PastTheLimit_EvictsLeastRecentlyUsedAndNeverExceedsIt()
    {
        var cache = new BlobCache(_dir.Path, 1000, _time);
        var a = Blob(1, 400);
        var b = Blob(2, 400);
        var c = Blob(3, 400);
        (await UseAsync(cache, a)).Dispose();
        (await UseAsync(cache, b)).Dispose();
        (await UseAsync(cache, a)).Dispose(); // a is now more recent than b

        (await UseAsync(cache, c)).Dispose();

        Assert.Equal(new[] { a.Sha, c.Sha }.Order(), cache.Hashes.Order());
        Assert.Equal(800, cache.UsedBytes);
        Assert.InRange(BytesOnDisk(), 0, cache.LimitBytes);
    }

    [Fact]
    public async Task Acquire_EverythingInUse_RefusesInsteadOfGrowing()
    {
        var cache = new BlobCache(_dir.Path, 1000, _time);
        using var a = await UseAsync(cache, Blob(1, 600));

        var full = await Assert.ThrowsAsync<CacheFullException>(() => UseAsync(cache, Blob(2, 600)));

        Assert.Contains("full of inputs that running attempts use", full.Message);
        Assert.True(File.Exists(a.Path));
        Assert.InRange(BytesOnDisk(), 0, cache.LimitBytes);
    }

    [Fact]
    public async Task Acquire_BlobLargerThanTheLimit_SaysWhichSettingToRaise()
    {
        var cache = new BlobCache(_dir.Path, 1000, _time);

        var full = await Assert.ThrowsAsync<CacheFullException>(() => UseAsync(cache, Blob(1, 1001)));

        Assert.Contains("Agent:Transfer:CacheLimitBytes", full.Message);
        Assert.Equal(0, _downloads);
    }

    [Fact]
    public async Task Acquire_DownloadFails_ReleasesItsRoomAndKeepsNothing()
    {
        var cache = new BlobCache(_dir.Path, 1000, _time);
        var blob = Blob(1, 500);

        await Assert.ThrowsAsync<InvalidDataException>(() => cache.AcquireAsync(blob.Sha, 500, async (path, ct) =>
        {
            await File.WriteAllBytesAsync(path, blob.Bytes[..200], ct);
            throw new InvalidDataException("cut");
        }, CancellationToken.None));

        Assert.Equal(0, cache.UsedBytes);
        Assert.Empty(cache.Hashes);
        Assert.Equal(0, BytesOnDisk());
    }

    [Fact]
    public async Task NewCache_OverAnOldFolder_KeepsItsBlobsWithinTheLimit()
    {
        var old = new BlobCache(_dir.Path, 1000, _time);
        (await UseAsync(old, Blob(1, 400))).Dispose();
        (await UseAsync(old, Blob(2, 400))).Dispose();

        var smaller = new BlobCache(_dir.Path, 500, _time);

        Assert.Single(smaller.Hashes);
        Assert.InRange(BytesOnDisk(), 0, 500);
    }
}
