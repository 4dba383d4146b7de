using System.Diagnostics;
using System.Runtime.InteropServices;
using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;
using Xunit;
using Xunit.Abstractions;

namespace RenderFarm.Coordinator.Tests.Recipes;

/// <summary>BatchService on a real coordinator (SQLite, Quartz) with a real agent rendering with ffmpeg.</summary>
public class BatchServiceTests(ITestOutputHelper output)
{
#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code in this project; a plain import serves a test
    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string created);
#pragma warning restore SYSLIB1054

    private static void HardLink(string existing, string created)
    {
        if (Link(existing, created) != 0) throw new IOException($"link {created}: errno {Marshal.GetLastPInvokeError()}");
    }

    private static async Task<Recipe> SaveAsync(FarmHost farm, Recipe recipe) =>
        (await new RecipeService.RecipeServiceClient(farm.Channel).SaveRecipeAsync(new SaveRecipeRequest { Recipe = recipe })).Recipe;

    private static async Task<List<Job>> AllJobsAsync(FarmHost farm)
    {
        var jobs = new List<Job>();
        var token = "";
        do
        {
            var page = await farm.Jobs.ListJobsAsync(new ListJobsRequest { PageSize = 500, PageToken = token });
            jobs.AddRange(page.Jobs);
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        return jobs;
    }

    [Fact]
    public async Task SubmitBatch_FiveHundredFilesFromOneCall_OneJobEachAndCountsRightWhileAgentRenders()
    {
        await using var farm = await FarmHost.StartAsync();
        var clip = Path.Combine(farm.MediaDir, "source.mp4");
        File.Copy(await TestClips.SdrAsync(), clip);
        var files = new List<string>();
        foreach (var day in new[] { "day1", "day2" })
        {
            Directory.CreateDirectory(Path.Combine(farm.MediaDir, "clips", day));
            for (var i = 0; i < 250; i++)
            {
                var path = Path.Combine(farm.MediaDir, "clips", day, $"C{i:000}.MP4");
                HardLink(clip, path);
                files.Add(path);
            }
        }

        await File.WriteAllTextAsync(Path.Combine(farm.MediaDir, "clips", "day1", "notes.txt"), "not a clip");
        await File.WriteAllTextAsync(Path.Combine(farm.MediaDir, "clips", "day1", "._C000.MP4"), "resource fork");
        var recipe = await SaveAsync(farm, RecipeServiceTests.Proxy(pattern: "proxies/{dir}/{name}.mp4"));
        var batches = new BatchService.BatchServiceClient(farm.Channel);

        var clock = Stopwatch.StartNew();
        var submitted = (await batches.SubmitBatchAsync(new SubmitBatchRequest
        {
            Recipe = recipe.Name, Folder = Path.Combine(farm.MediaDir, "clips"), Glob = "*.mp4", Recursive = true,
        })).Batch;
        output.WriteLine($"MEASURE batch of 500 files submitted in one call: {clock.Elapsed.TotalSeconds:0.00} s");

        Assert.Equal(500u, submitted.Counts.Total);
        Assert.Equal(500u, submitted.Counts.Queued);
        Assert.Equal(JobState.Queued, submitted.State);
        var jobs = await AllJobsAsync(farm);
        Assert.Equal(500, jobs.Count);
        Assert.All(jobs, j => Assert.Equal((submitted.Id, recipe.Name, recipe.Version), (j.Spec.BatchId, j.Spec.RecipeName, j.Spec.RecipeVersion)));
        Assert.Equal(files.Order(StringComparer.Ordinal), jobs.Select(j => j.Spec.InputPath).Order(StringComparer.Ordinal));
        Assert.Equal(files.Select(f => f.Replace("/clips/", "/proxies/", StringComparison.Ordinal).Replace(".MP4", ".mp4", StringComparison.Ordinal)).Order(StringComparer.Ordinal),
            jobs.Select(j => j.Spec.OutputPath).Order(StringComparer.Ordinal));

        await farm.StartAgentAsync("render-1", slots: 2);
        Batch batch = null!;
        await FarmHost.WaitUntilAsync(async () => (batch = (await batches.GetBatchAsync(new GetBatchRequest { BatchId = submitted.Id })).Batch).Counts.Succeeded >= 5, TimeSpan.FromSeconds(40));
        Assert.Equal(JobState.Running, batch.State);
        var canceled = await batches.CancelBatchAsync(new CancelBatchRequest { BatchId = submitted.Id });
        await FarmHost.WaitUntilAsync(async () => (batch = (await batches.GetBatchAsync(new GetBatchRequest { BatchId = submitted.Id })).Batch).State == JobState.Canceled, TimeSpan.FromSeconds(20));

        jobs = await AllJobsAsync(farm);
        var byState = jobs.GroupBy(j => j.State).ToDictionary(g => g.Key, g => (uint)g.Count());
        Assert.Equal(byState.GetValueOrDefault(JobState.Succeeded), batch.Counts.Succeeded);
        Assert.Equal(byState.GetValueOrDefault(JobState.Canceled), batch.Counts.Canceled);
        Assert.Equal(500u, batch.Counts.Succeeded + batch.Counts.Canceled);
        Assert.Equal(0u, batch.Counts.Failed + batch.Counts.Running + batch.Counts.Queued + batch.Counts.Waiting);
        Assert.InRange(canceled.CanceledJobs, 500u - batch.Counts.Succeeded, 500u - 5);
        Assert.Equal(100, batch.Percent);
        var done = jobs.First(j => j.State == JobState.Succeeded);
        Assert.Equal(60, await Ffprobe.CountFramesAsync(done.Spec.OutputPath));
        Assert.Equal("h264", await Ffprobe.VideoFieldAsync(done.Spec.OutputPath, "codec_name"));

        var retried = await batches.RetryBatchAsync(new RetryBatchRequest { BatchId = submitted.Id });
        Assert.Equal(batch.Counts.Canceled, retried.RetriedJobs);
        Assert.Equal(batch.Counts.Succeeded, retried.Batch.Counts.Succeeded);
        Assert.Equal(JobState.Running, retried.Batch.State);
        await batches.CancelBatchAsync(new CancelBatchRequest { BatchId = submitted.Id });
    }

    [Fact]
    public async Task SubmitBatch_FiveHundredFilesOnPostgres_OneTransactionCountsAndCancelRight()
    {
        await using var farm = await FarmHost.StartAsync(new Dictionary<string, string?>
        {
            ["Store:Provider"] = "Postgres", ["Store:ConnectionString"] = await TestPostgres.CreateDatabaseAsync(),
        });
        var clip = Path.Combine(farm.MediaDir, "source.mp4");
        File.Copy(await TestClips.SdrAsync(), clip);
        Directory.CreateDirectory(Path.Combine(farm.MediaDir, "clips"));
        var request = new SubmitBatchRequest { Recipe = (await SaveAsync(farm, RecipeServiceTests.Proxy(pattern: "proxies/{name}.mp4"))).Name };
        for (var i = 0; i < 500; i++)
        {
            var path = Path.Combine(farm.MediaDir, "clips", $"C{i:000}.MOV");
            HardLink(clip, path);
            request.Inputs.Add(path);
        }

        var batches = new BatchService.BatchServiceClient(farm.Channel);
        var clock = Stopwatch.StartNew();
        var batch = (await batches.SubmitBatchAsync(request)).Batch;
        output.WriteLine($"MEASURE PostgreSQL: batch of 500 files submitted in one call: {clock.Elapsed.TotalSeconds:0.00} s");
        var canceled = await batches.CancelBatchAsync(new CancelBatchRequest { BatchId = batch.Id });
        var listed = (await batches.ListBatchesAsync(new ListBatchesRequest())).Batches;

        Assert.Equal((500u, 500u), (batch.Counts.Total, batch.Counts.Queued));
        Assert.Equal(500, (await AllJobsAsync(farm)).Count(j => j.Spec.BatchId == batch.Id));
        Assert.Equal(500u, canceled.CanceledJobs);
        Assert.Equal((JobState.Canceled, 500u), (canceled.Batch.State, canceled.Batch.Counts.Canceled));
        Assert.Equal(batch.Id, Assert.Single(listed).Id);
    }

    [Fact]
    public async Task SubmitBatch_SomeInputsCannotBeRendered_IsRefusedWholeNamingEachInput()
    {
        await using var farm = await FarmHost.StartAsync();
        var clip = await TestClips.SdrAsync();
        foreach (var day in new[] { "day1", "day2" })
        {
            Directory.CreateDirectory(Path.Combine(farm.MediaDir, day));
            File.Copy(clip, Path.Combine(farm.MediaDir, day, "A001.mp4"));
        }

        File.Copy(clip, Path.Combine(farm.MediaDir, "B001.mp4"));
        var recipe = await SaveAsync(farm, RecipeServiceTests.Proxy(pattern: "proxies/{name}.mp4"));
        var request = new SubmitBatchRequest { Recipe = recipe.Name };
        request.Inputs.Add(Path.Combine(farm.MediaDir, "B001.mp4"));
        request.Inputs.Add(Path.Combine(farm.MediaDir, "day1", "A001.mp4"));
        request.Inputs.Add(Path.Combine(farm.MediaDir, "day2", "A001.mp4"));
        request.Inputs.Add(Path.Combine(farm.MediaDir, "missing.mp4"));
        request.Inputs.Add("/etc/passwd");

        var error = await Assert.ThrowsAsync<RpcException>(() => new BatchService.BatchServiceClient(farm.Channel).SubmitBatchAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("inputs[4]: '/etc/passwd' is outside the media roots", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains($"inputs[2] '{Path.Combine(farm.MediaDir, "day2", "A001.mp4")}': makes", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("add {dir} or {ext}", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains($"inputs[3] '{Path.Combine(farm.MediaDir, "missing.mp4")}': spec.input_path:", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(await AllJobsAsync(farm));
    }

    [Fact]
    public async Task SubmitBatch_PatternWithPictureSize_NamesEachOutputWithItsSourceSizeAsShown()
    {
        await using var farm = await FarmHost.StartAsync();
        File.Copy(await TestClips.SdrAsync(), Path.Combine(farm.MediaDir, "wide.mp4"));
        File.Copy(await TestClips.RotatedPortraitAsync(), Path.Combine(farm.MediaDir, "upright.mp4"));
        var recipe = await SaveAsync(farm, RecipeServiceTests.Proxy(pattern: "proxies/{recipe}/{name}_{width}x{height}_v{version}.mp4"));
        var request = new SubmitBatchRequest { Recipe = recipe.Name, Folder = farm.MediaDir, Glob = "*.mp4" };

        var batch = (await new BatchService.BatchServiceClient(farm.Channel).SubmitBatchAsync(request)).Batch;

        Assert.Equal(2u, batch.Counts.Total);
        var outputs = (await AllJobsAsync(farm)).Select(j => Path.GetRelativePath(farm.MediaDir, j.Spec.OutputPath)).Order(StringComparer.Ordinal);
        Assert.Equal(["proxies/proxy-for-resolve/upright_180x320_v1.mp4", "proxies/proxy-for-resolve/wide_320x180_v1.mp4"], outputs);
    }

    [Fact]
    public async Task CancelBatch_AnotherEditorsBatch_IsRefused()
    {
        await using var farm = await FarmHost.StartAsync();
        File.Copy(await TestClips.SdrAsync(), Path.Combine(farm.MediaDir, "a.mp4"));
        var recipe = await SaveAsync(farm, RecipeServiceTests.Proxy(pattern: "proxies/{name}.mp4"));
        var alice = new BatchService.BatchServiceClient(farm.CreateChannel(await farm.CreateKeyAsync("alice", Role.Editor)));
        var bob = new BatchService.BatchServiceClient(farm.CreateChannel(await farm.CreateKeyAsync("bob", Role.Editor)));
        var request = new SubmitBatchRequest { Recipe = recipe.Name };
        request.Inputs.Add(Path.Combine(farm.MediaDir, "a.mp4"));
        var batch = (await alice.SubmitBatchAsync(request)).Batch;

        var refused = await Assert.ThrowsAsync<RpcException>(() => bob.CancelBatchAsync(new CancelBatchRequest { BatchId = batch.Id }).ResponseAsync);
        var canceled = await alice.CancelBatchAsync(new CancelBatchRequest { BatchId = batch.Id });

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal("alice", batch.Owner);
        Assert.Equal(1u, canceled.CanceledJobs);
        Assert.Equal(JobState.Canceled, canceled.Batch.State);
    }

    [Fact]
    public async Task WatchBatch_JobsRenderReportingProgress_SendsOnlyChangedCountsUntilTheEnd()
    {
        await using var farm = await FarmHost.StartAsync();
        var clip = await TestClips.SdrAsync();
        var request = new SubmitBatchRequest { Recipe = (await SaveAsync(farm, RecipeServiceTests.Proxy(pattern: "proxies/{name}.mp4"))).Name };
        foreach (var name in new[] { "a.mp4", "b.mp4", "c.mp4" })
        {
            File.Copy(clip, Path.Combine(farm.MediaDir, name));
            request.Inputs.Add(Path.Combine(farm.MediaDir, name));
        }

        var batches = new BatchService.BatchServiceClient(farm.Channel);
        var submitted = (await batches.SubmitBatchAsync(request)).Batch;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        using var call = batches.WatchBatch(new WatchBatchRequest { BatchId = submitted.Id }, cancellationToken: deadline.Token);
        await farm.StartAgentAsync("render-1"); // its progress (10 reports a second) is not stored, so it never wakes the watch

        var seen = new List<Batch>();
        await foreach (var message in call.ResponseStream.ReadAllAsync(deadline.Token)) seen.Add(message.Batch);

        foreach (var batch in seen) output.WriteLine($"{batch.State} {batch.Counts}");
        Assert.Equal(JobState.Succeeded, seen[^1].State);
        Assert.Equal(3u, seen[^1].Counts.Succeeded);
        Assert.All(seen.Zip(seen.Skip(1)), pair => Assert.NotEqual(pair.First, pair.Second));
        // Each job is queued, assigned, running and succeeded: at most three changes of counts each after the first.
        Assert.InRange(seen.Count, 2, 1 + 3 * 3);
        foreach (var name in new[] { "a", "b", "c" })
        {
            Assert.Equal(60, await Ffprobe.CountFramesAsync(Path.Combine(farm.MediaDir, "proxies", name + ".mp4")));
        }
    }
}
