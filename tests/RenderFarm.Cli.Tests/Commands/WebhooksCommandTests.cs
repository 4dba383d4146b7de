using Google.Protobuf.WellKnownTypes;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Commands;

public sealed class WebhooksCommandTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    private static WebhookDelivery Delivery(string id, WebhookDeliveryState state, params int[] statuses)
    {
        var delivery = new WebhookDelivery { Id = id, JobId = "j1", Event = "job.succeeded", Url = "https://hooks.example/" + id, State = state, Format = "json" };
        delivery.Attempts.AddRange(statuses.Select((s, i) => new WebhookAttempt
        {
            Number = (uint)i + 1, Status = s, Error = s == 0 ? "connection refused" : "", Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch),
        }));
        return delivery;
    }

    [Fact]
    public async Task Deliveries_ForAJob_ListsEachWithItsStateAndEveryTrysAnswer()
    {
        _farmctl.Farm.WebhookDeliveries = new ListWebhookDeliveriesResponse
        {
            Deliveries = { Delivery("wh-a", WebhookDeliveryState.Delivered, 500, 500, 200), Delivery("wh-b", WebhookDeliveryState.Failed, 0, 503) },
        };

        var result = await _farmctl.RunAsync("webhooks", "deliveries", "--job", "j1", "--limit", "20");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal(("j1", 20u), (_farmctl.Farm.WebhookRequests.Single().JobId, _farmctl.Farm.WebhookRequests.Single().PageSize));
        var a = Assert.Single(result.Out.Split('\n'), l => l.Contains("wh-a", StringComparison.Ordinal));
        Assert.Contains("delivered", a);
        Assert.Contains("500 500 200", a);
        var b = Assert.Single(result.Out.Split('\n'), l => l.Contains("wh-b", StringComparison.Ordinal));
        Assert.Contains("failed", b);
        Assert.Contains("(connection refused) 503", b);
    }

    [Fact]
    public async Task Deliveries_None_SaysSo()
    {
        var result = await _farmctl.RunAsync("webhooks", "deliveries");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("no webhook deliveries", result.Out);
    }
}
