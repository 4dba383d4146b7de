using System.Text.Json;
using Grpc.Core;
using RenderFarm.Coordinator.Notifications;
using RenderFarm.Coordinator.Tests.Recipes;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Notifications;

/// <summary>A batch's batch.ended and a watch folder's job webhooks, from a real coordinator and agent to a real HTTP listener.</summary>
public sealed class BatchWebhookTests : IAsyncLifetime
{
    private const string FarmSecret = "farm-secret-for-the-batch-tests";
    private const string JobSecret = "job-secret-for-the-batch-tests";
    private WebhookReceiver _receiver = null!;
    private FarmHost _farm = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _farm = await FarmHost.StartAsync(new Dictionary<string, string?>
        {
            ["Coordinator:Webhooks:Endpoints:0:Url"] = _receiver.Url + "/farm",
            ["Coordinator:Webhooks:Endpoints:0:Secret"] = FarmSecret,
            ["Coordinator:Webhooks:JobSecret"] = JobSecret,
            ["Coordinator:Webhooks:FirstRetryDelay"] = "00:00:00.200",
            ["Coordinator:Webhooks:MaxRetryDelay"] = "00:00:01",
            ["Coordinator:WatchFolders:ScanInterval"] = "00:00:00.300",
        });
    }

    public async Task DisposeAsync()
    {
        await _farm.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private static List<WebhookReceiver.Received> BatchEnded(IEnumerable<WebhookReceiver.Received> requests) =>
        requests.Where(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("event").GetString() == "batch.ended").ToList();

    [Fact]
    public async Task BatchOfThreeEnds_OneSucceededOneFailedOneCanceled_ExactlyOneSignedBatchEndedWithTheRightCounts()
    {
        Directory.CreateDirectory(Path.Combine(_farm.MediaDir, "clips"));
        var good = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, "clips", "good.mp4"));
        var later = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, "clips", "later.mp4"));
        var broken = Path.Combine(_farm.MediaDir, "clips", "broken.mp4");
        await File.WriteAllTextAsync(broken, "this is not a video");
        var recipe = RecipeServiceTests.Proxy(pattern: "proxies/{name}.mp4");
        recipe.MaxRetries = 0;
        recipe.NotifyUrls.Add(_receiver.Url + "/recipe");
        await new RecipeService.RecipeServiceClient(_farm.Channel).SaveRecipeAsync(new SaveRecipeRequest { Recipe = recipe });

        var request = new SubmitBatchRequest { Recipe = recipe.Name, Name = "day 1 proxies", Inputs = { good, later, broken } };
        request.NotifyUrls.Add(_receiver.Url + "/batch");
        var batch = (await new BatchService.BatchServiceClient(_farm.Channel).SubmitBatchAsync(request)).Batch;
        var jobs = (await _farm.Jobs.ListJobsAsync(new ListJobsRequest { PageSize = 10 })).Jobs.Where(j => j.Spec.BatchId == batch.Id).ToList();
        Assert.Equal(3, jobs.Count);
        var canceled = jobs.Single(j => j.Spec.InputPath == later);
        await _farm.Jobs.CancelJobAsync(new CancelJobRequest { JobId = canceled.Id });
        Assert.Empty(BatchEnded(_receiver.Requests)); // two jobs have not ended
        await _farm.StartAgentAsync("agent-a");

        var succeeded = await _farm.WaitForJobAsync(jobs.Single(j => j.Spec.InputPath == good).Id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(90));
        var failed = await _farm.WaitForJobAsync(jobs.Single(j => j.Spec.InputPath == broken).Id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(90));
        Assert.Equal((JobState.Succeeded, JobState.Failed), (succeeded.State, failed.State));
        await FarmHost.WaitUntilAsync(() => Task.FromResult(
            _receiver.To("batch").Count >= 1 && BatchEnded(_receiver.To("farm")).Count >= 1 && _receiver.To("recipe").Count >= 3), TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2)); // nothing more may come

        // The batch's URL: its batch.ended only (not each job's end), once, signed with the job secret.
        var mine = Assert.Single(_receiver.To("batch"));
        Assert.True(WebhookSignature.Verify(mine.Body, JobSecret, mine.Headers.GetValueOrDefault(WebhookSignature.Header)), "the batch's webhook is not signed with the job secret");
        using var body = JsonDocument.Parse(mine.Body);
        Assert.Equal("batch.ended", body.RootElement.GetProperty("event").GetString());
        var b = body.RootElement.GetProperty("batch");
        Assert.Equal((batch.Id, "day 1 proxies", "failed"), (b.GetProperty("id").GetString(), b.GetProperty("name").GetString(), b.GetProperty("state").GetString()));
        var counts = b.GetProperty("counts");
        Assert.Equal((3, 1, 1, 1), (counts.GetProperty("total").GetInt32(), counts.GetProperty("succeeded").GetInt32(), counts.GetProperty("failed").GetInt32(),
            counts.GetProperty("canceled").GetInt32()));
        var failedJob = Assert.Single(b.GetProperty("failed_jobs").EnumerateArray());
        Assert.Equal((failed.Id, failed.Error), (failedJob.GetProperty("id").GetString(), failedJob.GetProperty("error").GetString()));
        Assert.NotEmpty(failed.Error);
        Assert.Equal(canceled.Id, Assert.Single(b.GetProperty("canceled_jobs").EnumerateArray()).GetProperty("id").GetString());
        var output = Assert.Single(b.GetProperty("outputs").EnumerateArray());
        Assert.Equal((succeeded.Id, succeeded.Result.Path), (output.GetProperty("job_id").GetString(), output.GetProperty("path").GetString()));
        Assert.True(File.Exists(succeeded.Result.Path));

        // The farm-wide endpoint: each job's end and the batch's, once, signed with the farm's secret.
        var farm = _receiver.To("farm");
        var farmBatch = Assert.Single(BatchEnded(farm));
        Assert.True(WebhookSignature.Verify(farmBatch.Body, FarmSecret, farmBatch.Headers.GetValueOrDefault(WebhookSignature.Header)), "the farm's batch.ended is not signed with its secret");
        Assert.Equal(4, farm.Count);
        // The recipe's URL: each job's end (made with that recipe version), not the batch's.
        var byRecipe = _receiver.To("recipe");
        Assert.Empty(BatchEnded(byRecipe));
        Assert.Equal(jobs.Select(j => j.Id).Order(StringComparer.Ordinal),
            byRecipe.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("job").GetProperty("id").GetString()).Order(StringComparer.Ordinal));
        Assert.All(byRecipe, r => Assert.True(WebhookSignature.Verify(r.Body, JobSecret, r.Headers.GetValueOrDefault(WebhookSignature.Header))));

        var recorded = (await new NotificationService.NotificationServiceClient(_farm.Channel).ListWebhookDeliveriesAsync(new ListWebhookDeliveriesRequest { JobId = batch.Id })).Deliveries;
        Assert.Equal(["batch", "farm"], recorded.Select(d => d.Source).Order(StringComparer.Ordinal));
        Assert.All(recorded, d => Assert.Equal(("batch.ended", WebhookDeliveryState.Delivered), (d.Event, d.State)));
    }

    [Fact]
    public async Task WatchFolderJobEnds_FolderUrlGetsItsEndSignedWithTheJobSecret_AndOtherJobsAreNotSentThere()
    {
        var footage = Directory.CreateDirectory(Path.Combine(_farm.MediaDir, "footage")).FullName;
        await new RecipeService.RecipeServiceClient(_farm.Channel).SaveRecipeAsync(new SaveRecipeRequest { Recipe = RecipeServiceTests.Proxy() });
        var folder = (await new WatchFolderService.WatchFolderServiceClient(_farm.Channel).AddWatchFolderAsync(new AddWatchFolderRequest
        {
            Path = footage, Recipe = "proxy-for-resolve", SettleTime = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
            NotifyUrls = { _receiver.Url + "/folder" },
        })).WatchFolder;
        Assert.Equal([_receiver.Url + "/folder"], folder.NotifyUrls);
        var other = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = new JobSpec
        {
            InputPath = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, "other.mp4")),
            OutputPath = Path.Combine(_farm.MediaDir, "other-out.mp4"), Output = new OutputSettings { Preset = Preset.H264Proxy540P },
        } })).Job;
        await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(footage, "A001.mp4"));

        Job? taken = null;
        await FarmHost.WaitUntilAsync(async () =>
        {
            taken = (await _farm.Jobs.ListJobsAsync(new ListJobsRequest { PageSize = 10 })).Jobs.FirstOrDefault(j => j.Spec.InputPath.EndsWith("A001.mp4", StringComparison.Ordinal));
            return taken is not null;
        }, TimeSpan.FromSeconds(30));
        await _farm.Jobs.CancelJobAsync(new CancelJobRequest { JobId = taken!.Id });
        await _farm.Jobs.CancelJobAsync(new CancelJobRequest { JobId = other.Id });
        await FarmHost.WaitUntilAsync(() => Task.FromResult(_receiver.To("folder").Count >= 1), TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2));

        var sent = Assert.Single(_receiver.To("folder"));
        Assert.True(WebhookSignature.Verify(sent.Body, JobSecret, sent.Headers.GetValueOrDefault(WebhookSignature.Header)), "the folder's webhook is not signed with the job secret");
        using var body = JsonDocument.Parse(sent.Body);
        Assert.Equal(("job.canceled", taken.Id), (body.RootElement.GetProperty("event").GetString(), body.RootElement.GetProperty("job").GetProperty("id").GetString()));
        var recorded = (await new NotificationService.NotificationServiceClient(_farm.Channel).ListWebhookDeliveriesAsync(new ListWebhookDeliveriesRequest { JobId = taken.Id })).Deliveries;
        Assert.Equal(["farm", "watchfolder"], recorded.Select(d => d.Source).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task SubmitBatch_NotifyUrlThatIsNotHttp_IsRefusedNamingTheField()
    {
        Directory.CreateDirectory(Path.Combine(_farm.MediaDir, "clips"));
        var clip = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, "clips", "a.mp4"));
        await new RecipeService.RecipeServiceClient(_farm.Channel).SaveRecipeAsync(new SaveRecipeRequest { Recipe = RecipeServiceTests.Proxy() });

        var e = await Assert.ThrowsAsync<RpcException>(async () => await new BatchService.BatchServiceClient(_farm.Channel).SubmitBatchAsync(
            new SubmitBatchRequest { Recipe = "proxy-for-resolve", Inputs = { clip }, NotifyUrls = { "ftp://example.com/x" } }));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("notify_urls[0]: 'ftp://example.com/x' is not an absolute http or https URL", e.Status.Detail);
    }
}
