using RenderFarm.Coordinator.Notifications;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Notifications;

/// <summary>The deliveries table on both databases: one delivery per event and URL, each try recorded once, in order.</summary>
public sealed class WebhookStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static async Task<SqlJobStore> StoreAsync(string database)
    {
        SqlJobStore store = database == "postgres"
            ? await DomainHarness.NewPostgresStoreAsync()
            : new SqliteJobStore(SqliteJobStore.ConnectionStringFor(Path.Combine(Directory.CreateTempSubdirectory("rf-webhooks-").FullName, "farm.db")));
        await store.InitializeAsync(CancellationToken.None);
        return store;
    }

    private static WebhookStore.Delivery Delivery(string id, string url = "https://hooks.example/a") =>
        new(id, "j1:job.succeeded:1", "j1", "job.succeeded", url, "json", "farm", "{\"event\":\"job.succeeded\"}", "sha256=00", WebhookDeliveryState.Pending, 0, Now, Now);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Insert_SameEventAndUrlTwice_KeepsOneDelivery(string database)
    {
        var deliveries = new WebhookStore(await StoreAsync(database));

        Assert.True(await deliveries.InsertAsync(Delivery("wh-1"), CancellationToken.None));
        Assert.False(await deliveries.InsertAsync(Delivery("wh-2"), CancellationToken.None));
        Assert.True(await deliveries.InsertAsync(Delivery("wh-3", "https://hooks.example/b"), CancellationToken.None));

        var listed = await deliveries.ListAsync("j1", 10, CancellationToken.None);
        Assert.Equal(["wh-1", "wh-3"], listed.Select(d => d.Delivery.Id).Order());
        Assert.Equal(2, (await deliveries.PendingAsync(CancellationToken.None)).Count);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task RecordAttempt_TheSameTryTwiceOrAfterDelivery_IsRecordedOnce(string database)
    {
        var deliveries = new WebhookStore(await StoreAsync(database));
        await deliveries.InsertAsync(Delivery("wh-1"), CancellationToken.None);

        Assert.True(await deliveries.RecordAttemptAsync(new("wh-1", 1, Now, 500, "boom", "", 12), WebhookDeliveryState.Pending, Now.AddSeconds(10), CancellationToken.None));
        Assert.False(await deliveries.RecordAttemptAsync(new("wh-1", 1, Now, 500, "boom", "", 12), WebhookDeliveryState.Pending, Now.AddSeconds(10), CancellationToken.None));
        Assert.True(await deliveries.RecordAttemptAsync(new("wh-1", 2, Now.AddSeconds(10), 200, "ok", "", 3), WebhookDeliveryState.Delivered, Now.AddSeconds(10), CancellationToken.None));
        Assert.False(await deliveries.RecordAttemptAsync(new("wh-1", 3, Now.AddSeconds(20), 200, "ok", "", 3), WebhookDeliveryState.Delivered, Now.AddSeconds(20), CancellationToken.None));

        var (delivery, attempts) = Assert.Single(await deliveries.ListAsync(null, 10, CancellationToken.None));
        Assert.Equal((WebhookDeliveryState.Delivered, 2), (delivery.State, delivery.Attempts));
        Assert.Equal([500, 200], attempts.Select(a => a.Status));
        Assert.Empty(await deliveries.PendingAsync(CancellationToken.None));
    }
}
