using RenderFarm.Coordinator.Storage;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Coordinator.Thumbnails;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Thumbnails;

/// <summary>Thumbnails kept in the farm's database: the same on SQLite and PostgreSQL, and removed with their job.</summary>
public sealed class ThumbnailStoreTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Save_ThenReplace_ReadsBackTheBytesAndTheJobsDeletionRemovesIt(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var thumbnails = new ThumbnailStore((SqlJobStore)farm.Store);
        var job = await farm.SubmitAsync("poster");
        var first = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        Assert.Null(await thumbnails.FindAsync(job.Id, CancellationToken.None));

        await thumbnails.SaveAsync(new ThumbnailStore.Thumbnail(job.Id, ThumbnailKind.Poster, first, 320, 180, farm.Time.GetUtcNow()), CancellationToken.None);
        var stored = await thumbnails.FindAsync(job.Id, CancellationToken.None);
        Assert.Equal(first, stored!.Jpeg);
        Assert.Equal((320, 180, farm.Time.GetUtcNow()), (stored.Width, stored.Height, stored.Created));

        await thumbnails.SaveAsync(new ThumbnailStore.Thumbnail(job.Id, ThumbnailKind.Poster, [0xFF, 0xD8, 0xFF, 0xD9], 320, 240, farm.Time.GetUtcNow()), CancellationToken.None);
        Assert.Equal(new byte[] { 0xFF, 0xD8, 0xFF, 0xD9 }, (await thumbnails.FindAsync(job.Id, CancellationToken.None))!.Jpeg);

        // Each kind is a row of its own; the kinds list the poster first.
        await thumbnails.SaveAsync(new ThumbnailStore.Thumbnail(job.Id, ThumbnailKind.Source, [1, 2, 3], 320, 180, farm.Time.GetUtcNow()), CancellationToken.None);
        await thumbnails.SaveAsync(new ThumbnailStore.Thumbnail(job.Id, ThumbnailKind.ContactSheet, [4, 5], 480, 180, farm.Time.GetUtcNow()), CancellationToken.None);
        Assert.Equal([ThumbnailKind.Poster, ThumbnailKind.ContactSheet, ThumbnailKind.Source], await thumbnails.KindsAsync(job.Id, DateTimeOffset.UnixEpoch, CancellationToken.None));
        Assert.Equal(new byte[] { 4, 5 }, (await thumbnails.FindAsync(job.Id, CancellationToken.None, ThumbnailKind.ContactSheet))!.Jpeg);
        Assert.Equal(new byte[] { 0xFF, 0xD8, 0xFF, 0xD9 }, (await thumbnails.FindAsync(job.Id, CancellationToken.None))!.Jpeg);
        await thumbnails.DeleteAsync(job.Id, ThumbnailKind.Source, CancellationToken.None);
        Assert.Null(await thumbnails.FindAsync(job.Id, CancellationToken.None, ThumbnailKind.Source));

        await farm.Catalog.CancelAsync(job.Id, CancellationToken.None);
        farm.Time.Advance(TimeSpan.FromDays(2));
        var (jobs, _) = await farm.Store.InTransactionAsync(tx => tx.DeleteEndedJobsAsync(farm.Time.GetUtcNow() - TimeSpan.FromDays(1), 100), CancellationToken.None);
        Assert.Equal(1, jobs);
        Assert.Null(await thumbnails.FindAsync(job.Id, CancellationToken.None));
    }
}
