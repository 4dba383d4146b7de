using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RenderFarm.Coordinator.Notifications;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Notifications;

/// <summary>Webhooks from a real coordinator (Quartz, SQLite) to a real HTTP listener, with a fast retry backoff.</summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private const string FarmSecret = "farm-secret-for-the-tests";
    private const string JobSecret = "job-secret-for-the-tests";
    private WebhookReceiver _receiver = null!;
    private FarmHost _farm = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _farm = await FarmHost.StartAsync(new Dictionary<string, string?>
        {
            ["Coordinator:Webhooks:Endpoints:0:Url"] = _receiver.Url + "/flaky",
            ["Coordinator:Webhooks:Endpoints:0:Secret"] = FarmSecret,
            ["Coordinator:Webhooks:Endpoints:1:Url"] = _receiver.Url + "/down",
            ["Coordinator:Webhooks:Endpoints:1:Format"] = "discord",
            ["Coordinator:Webhooks:JobSecret"] = JobSecret,
            ["Coordinator:Webhooks:MaxAttempts"] = "3",
            ["Coordinator:Webhooks:FirstRetryDelay"] = "00:00:00.200",
            ["Coordinator:Webhooks:MaxRetryDelay"] = "00:00:01",
        });
    }

    public async Task DisposeAsync()
    {
        await _farm.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private async Task<Job> SubmitLaterAsync(Action<JobSpec>? change = null)
    {
        var spec = new JobSpec
        {
            Name = "reel 3", InputPath = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, "in.mp4")),
            OutputPath = Path.Combine(_farm.MediaDir, "out", "reel 3.mp4"), Output = new OutputSettings { Preset = Preset.H264Proxy540P },
            StartTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)),
        };
        change?.Invoke(spec);
        return (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = spec })).Job;
    }

    private async Task<IReadOnlyList<WebhookDelivery>> DeliveriesAsync(string jobId) =>
        (await new NotificationService.NotificationServiceClient(_farm.Channel).ListWebhookDeliveriesAsync(new ListWebhookDeliveriesRequest { JobId = jobId })).Deliveries;

    /// <summary>Waits for the receiver to have what <paramref name="done"/> wants; says what the farm recorded when it does not come.</summary>
    private async Task WaitForRequestsAsync(string jobId, Func<bool> done)
    {
        try
        {
            await FarmHost.WaitUntilAsync(() => Task.FromResult(done()), TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the receiver got {_receiver.Requests.Count} request(s); deliveries recorded: {string.Join("; ", await DeliveriesAsync(jobId))}");
        }
    }

    [Fact]
    public async Task JobCanceled_ReceiverAnswers500Twice_GetsTheSameSignedBodyOnTheThirdTry_AndNothingAfter()
    {
        _receiver.Script("flaky", 500, 500);
        _receiver.Script("down", 503, 503, 503, 503, 503);
        var job = await SubmitLaterAsync();

        await _farm.Jobs.CancelJobAsync(new CancelJobRequest { JobId = job.Id });

        await WaitForRequestsAsync(job.Id, () => _receiver.To("flaky").Count >= 3 && _receiver.To("down").Count >= 3);
        await Task.Delay(TimeSpan.FromSeconds(2)); // several backoffs: nothing more may come
        var flaky = _receiver.To("flaky");
        Assert.Equal(3, flaky.Count);
        Assert.Equal(3, _receiver.To("down").Count);

        // The same bytes each time, signed over the raw body with the farm's secret.
        Assert.All(flaky, r => Assert.True(WebhookSignature.Verify(r.Body, FarmSecret, r.Headers.GetValueOrDefault(WebhookSignature.Header)), "the signature does not verify"));
        Assert.Single(flaky.Select(r => r.Text).Distinct());
        Assert.False(WebhookSignature.Verify(flaky[0].Body, "another secret", flaky[0].Headers[WebhookSignature.Header]));
        Assert.False(WebhookSignature.Verify([.. flaky[0].Body, (byte)' '], FarmSecret, flaky[0].Headers[WebhookSignature.Header]));
        using (var body = JsonDocument.Parse(flaky[0].Body))
        {
            Assert.Equal("job.canceled", body.RootElement.GetProperty("event").GetString());
            Assert.Equal(job.Id, body.RootElement.GetProperty("job").GetProperty("id").GetString());
            Assert.Equal("canceled by request", body.RootElement.GetProperty("job").GetProperty("error").GetString());
            Assert.Equal(job.Spec.OutputPath, body.RootElement.GetProperty("job").GetProperty("output_path").GetString());
            Assert.Equal(flaky[0].Headers["X-RenderFarm-Delivery"], body.RootElement.GetProperty("delivery_id").GetString());
        }

        Assert.True(flaky[1].At - flaky[0].At >= TimeSpan.FromMilliseconds(150), "the second try came without a backoff");
        Assert.Contains($"job {job.Id} \"reel 3\" was canceled", JsonDocument.Parse(_receiver.To("down")[0].Body).RootElement.GetProperty("content").GetString());
        Assert.False(_receiver.To("down")[0].Headers.ContainsKey(WebhookSignature.Header), "an endpoint without a secret got a signature");

        var deliveries = await DeliveriesAsync(job.Id);
        var delivered = Assert.Single(deliveries, d => d.Url.EndsWith("/flaky", StringComparison.Ordinal));
        Assert.Equal(WebhookDeliveryState.Delivered, delivered.State);
        Assert.Equal([500, 500, 200], delivered.Attempts.Select(a => a.Status));
        Assert.Equal("receiver says 500", delivered.Attempts[0].Answer);
        var failed = Assert.Single(deliveries, d => d.Url.EndsWith("/down", StringComparison.Ordinal));
        Assert.Equal((WebhookDeliveryState.Failed, "discord", 3), (failed.State, failed.Format, failed.Attempts.Count));
    }

    [Fact]
    public async Task JobSucceeds_ItsOwnUrlGetsTheOutputPathAndHashSignedWithTheJobSecret()
    {
        await _farm.StartAgentAsync("agent-a");
        var job = await SubmitLaterAsync(s =>
        {
            s.StartTime = null;
            s.NotifyUrls.Add(_receiver.Url + "/mine");
        });

        var done = await _farm.WaitForJobAsync(job.Id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(60));
        Assert.Equal(JobState.Succeeded, done.State);
        await WaitForRequestsAsync(job.Id, () => _receiver.To("mine").Count >= 1 && _receiver.To("flaky").Count >= 1);

        var mine = Assert.Single(_receiver.To("mine"));
        Assert.True(WebhookSignature.Verify(mine.Body, JobSecret, mine.Headers.GetValueOrDefault(WebhookSignature.Header)), "the job's webhook is not signed with the job secret");
        using var body = JsonDocument.Parse(mine.Body);
        var output = body.RootElement.GetProperty("job").GetProperty("output");
        Assert.Equal("job.succeeded", body.RootElement.GetProperty("event").GetString());
        Assert.Equal(done.Result.Path, output.GetProperty("path").GetString());
        Assert.Equal(done.Result.Sha256, output.GetProperty("sha256").GetString());
        Assert.Equal(done.Result.FrameCount, output.GetProperty("frame_count").GetUInt64());
        Assert.Equal("job", (await DeliveriesAsync(job.Id)).Single(d => d.Url.EndsWith("/mine", StringComparison.Ordinal)).Source);
    }

    [Fact]
    public async Task CoordinatorRestarted_DeliveredOnesAreNotSentAgain_AndAnEndWhoseDeliveryWasNeverRecordedIsCaughtUp()
    {
        var job = await SubmitLaterAsync();
        await _farm.Jobs.CancelJobAsync(new CancelJobRequest { JobId = job.Id });
        await WaitForRequestsAsync(job.Id, () => _receiver.To("flaky").Count >= 1 && _receiver.To("down").Count >= 1);

        // As if the coordinator had stopped after the job's end but before recording its delivery to /down.
        await _farm.StopCoordinatorAsync();
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_farm.DataDir, "renderfarm.db")}"))
        {
            await db.OpenAsync();
            await using var delete = db.CreateCommand();
            delete.CommandText = "DELETE FROM rf_webhook_attempts WHERE delivery_id IN (SELECT id FROM rf_webhook_deliveries WHERE url LIKE '%/down');" +
                                 "DELETE FROM rf_webhook_deliveries WHERE url LIKE '%/down';";
            Assert.True(await delete.ExecuteNonQueryAsync() >= 2);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await _farm.StartCoordinatorAsync();

        await WaitForRequestsAsync(job.Id, () => _receiver.To("down").Count >= 2);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(_receiver.To("flaky"));
        Assert.Equal(2, _receiver.To("down").Count);
        Assert.All(await DeliveriesAsync(job.Id), d => Assert.Equal(WebhookDeliveryState.Delivered, d.State));
    }

    [Fact]
    public async Task Submit_NotifyUrlThatIsNotHttp_IsRefusedNamingTheField()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => SubmitLaterAsync(s => s.NotifyUrls.Add("file:///etc/passwd")));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("spec.notify_urls[0]: 'file:///etc/passwd' is not an absolute http or https URL", e.Status.Detail);
    }
}
