using System.Text.Json;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Protocol;

/// <summary>
/// A real coordinator process driven with <c>buf curl</c> through server reflection, as an operator would:
/// no proto files, only the running server. The tests share one coordinator.
/// </summary>
public sealed class BufCurlTests(BufCurlTests.Coordinator fixture) : IClassFixture<BufCurlTests.Coordinator>
{
    private CoordinatorProcess Process => fixture.Process;

    [Fact]
    public async Task ListServices_Reflection_NamesEveryService()
    {
        var output = await CurlAsync("--list-services", Process.GrpcAddress);

        var services = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("renderfarm.v1.JobService", services);
        Assert.Contains("renderfarm.v1.AgentService", services);
        Assert.Contains("renderfarm.v1.FarmService", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task ListMethods_Reflection_IncludesWatchFarmAndSubmitJob()
    {
        var output = await CurlAsync("--list-methods", Process.GrpcAddress);

        Assert.Contains("renderfarm.v1.FarmService/WatchFarm", output);
        Assert.Contains("renderfarm.v1.JobService/SubmitJob", output);
    }

    [Fact]
    public async Task HealthCheck_JobService_Serving()
    {
        var output = await CurlAsync("--data", """{"service":"renderfarm.v1.JobService"}""", $"{Process.GrpcAddress}/grpc.health.v1.Health/Check");

        Assert.Equal("SERVING", JsonDocument.Parse(output).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task SubmitJobThenGetJob_ClipInMedia_QueuedJobReadBack()
    {
        var input = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(Process.MediaDir, "clip.mp4"));
        var request = JsonSerializer.Serialize(new
        {
            spec = new { name = "via buf curl", inputPath = input, outputPath = "proxies/clip.mp4", output = new { preset = "PRESET_H264_PROXY_540P" } },
        });

        var submitted = JsonDocument.Parse(await CurlAsync("--data", request, $"{Process.GrpcAddress}/renderfarm.v1.JobService/SubmitJob")).RootElement.GetProperty("job");
        var jobId = submitted.GetProperty("id").GetString()!;
        var read = JsonDocument.Parse(await CurlAsync("--data", JsonSerializer.Serialize(new { jobId }), $"{Process.GrpcAddress}/renderfarm.v1.JobService/GetJob")).RootElement.GetProperty("job");

        Assert.StartsWith("job-", jobId);
        Assert.Equal("JOB_STATE_QUEUED", submitted.GetProperty("state").GetString());
        Assert.Equal(jobId, read.GetProperty("id").GetString());
        Assert.Equal("via buf curl", read.GetProperty("spec").GetProperty("name").GetString());
        Assert.Equal(input, read.GetProperty("spec").GetProperty("inputPath").GetString());
        Assert.Equal("PRESET_H264_PROXY_540P", read.GetProperty("spec").GetProperty("output").GetProperty("preset").GetString());
        Assert.Equal("JOB_STATE_QUEUED", read.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Metrics_PlainHttp_PrometheusTextWithJobGauges()
    {
        using var http = new HttpClient();

        var text = await http.GetStringAsync(new Uri($"{Process.MetricsAddress}/metrics"));

        var metrics = new PrometheusText(text);
        Assert.True(metrics["renderfarm_jobs{state=\"succeeded\"}"] >= 0);
        Assert.Equal(0, metrics["renderfarm_agents_connected"]);
        Assert.Equal(0, metrics["renderfarm_slots"]);
    }

    [Fact]
    public async Task GetCaller_OperatorKey_NamesTheKeyAndItsRole()
    {
        var output = await CurlAsync("--data", "{}", $"{Process.GrpcAddress}/renderfarm.v1.AccessService/GetCaller");

        var caller = JsonDocument.Parse(output).RootElement;
        Assert.Equal("bootstrap", caller.GetProperty("name").GetString());
        Assert.Equal("ROLE_OPERATOR", caller.GetProperty("role").GetString());
    }

    [Fact]
    public async Task GrpcWeb_Http1Endpoint_AnswersTheSameServicesAsTheDashboard()
    {
        var result = await BufTool.RunAsync(RepoPaths.Root, [
            "curl", "--protocol", "grpcweb", "-H", $"authorization: Bearer {Process.Credentials.OperatorKey}",
            "--schema", Path.Combine(RepoPaths.Root, "protos"), "--data", "{}", $"{Process.MetricsAddress}/renderfarm.v1.FarmService/GetQueueStats",
        ]);

        Assert.True(result.ExitCode == 0, $"buf curl over gRPC-Web exited {result.ExitCode}:\n{result.StandardError}\ncoordinator:\n{Process.Output}");
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(result.StandardOutput).RootElement.ValueKind);
    }

    [Fact]
    public async Task GetThumbnail_QueuedJob_NotFoundNamingFarmctlThumbnail()
    {
        var input = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(Process.MediaDir, "poster.mp4"));
        var request = JsonSerializer.Serialize(new { spec = new { name = "poster", inputPath = input, outputPath = "proxies/poster.mp4", output = new { preset = "PRESET_H264_PROXY_540P" } } });
        var jobId = JsonDocument.Parse(await CurlAsync("--data", request, $"{Process.GrpcAddress}/renderfarm.v1.JobService/SubmitJob")).RootElement.GetProperty("job").GetProperty("id").GetString()!;

        var result = await BufTool.RunAsync(RepoPaths.Root, [
            "curl", "--protocol", "grpc", "--http2-prior-knowledge", "-H", $"authorization: Bearer {Process.Credentials.OperatorKey}",
            "--data", JsonSerializer.Serialize(new { jobId }), $"{Process.GrpcAddress}/renderfarm.v1.JobService/GetThumbnail",
        ]);

        Assert.NotEqual(0, result.ExitCode);
        var error = JsonDocument.Parse(result.StandardError).RootElement;
        Assert.Equal("not_found", error.GetProperty("code").GetString());
        Assert.Contains("farmctl thumbnail", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetThroughput_TenMinutesInMinuteBuckets_TenBucketsAlignedToTheMinute()
    {
        var output = await CurlAsync("--data", """{"window":"600s","bucket":"60s"}""", $"{Process.GrpcAddress}/renderfarm.v1.FarmService/GetThroughput");

        var series = JsonDocument.Parse(output).RootElement;
        var buckets = series.GetProperty("buckets").EnumerateArray().Select(b => DateTimeOffset.Parse(b.GetProperty("startTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var end = DateTimeOffset.Parse(series.GetProperty("endTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("60s", series.GetProperty("bucket").GetString());
        Assert.Equal(10, buckets.Count);
        Assert.All(buckets, b => Assert.Equal(0, b.ToUnixTimeMilliseconds() % 60_000));
        Assert.InRange(end - buckets[^1], TimeSpan.Zero, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task GetThroughput_BucketTooNarrow_InvalidArgumentSayingWhatToChange()
    {
        var result = await BufTool.RunAsync(RepoPaths.Root, [
            "curl", "--protocol", "grpc", "--http2-prior-knowledge", "-H", $"authorization: Bearer {Process.Credentials.OperatorKey}",
            "--data", """{"bucket":"2s"}""", $"{Process.GrpcAddress}/renderfarm.v1.FarmService/GetThroughput",
        ]);

        Assert.NotEqual(0, result.ExitCode);
        var error = JsonDocument.Parse(result.StandardError).RootElement;
        Assert.Equal("invalid_argument", error.GetProperty("code").GetString());
        Assert.Contains("at least 10 s", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_Http1Endpoint_ServesPageAndGzippedBundleUnder300KB()
    {
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = System.Net.DecompressionMethods.None });

        var page = await http.GetStringAsync(new Uri($"{Process.MetricsAddress}/"));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{Process.MetricsAddress}/app.js"));
        request.Headers.AcceptEncoding.ParseAdd("gzip");
        using var script = await http.SendAsync(request);
        var zipped = await script.Content.ReadAsByteArrayAsync();
        using var missing = await http.GetAsync(new Uri($"{Process.MetricsAddress}/nothing.js"));

        Assert.Contains("<script type=\"module\" src=\"/app.js\">", page);
        Assert.Equal("gzip", Assert.Single(script.Content.Headers.ContentEncoding));
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.InRange(zipped.Length, 10_000, 300_000);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }

    /// <summary>One coordinator process for the class.</summary>
    public sealed class Coordinator : IAsyncLifetime
    {
        public CoordinatorProcess Process { get; private set; } = null!;

        public async Task InitializeAsync() => Process = await CoordinatorProcess.StartAsync();

        public Task DisposeAsync() => Process.DisposeAsync().AsTask();
    }

    private async Task<string> CurlAsync(params string[] arguments)
    {
        var result = await BufTool.RunAsync(RepoPaths.Root, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "-H", $"authorization: Bearer {Process.Credentials.OperatorKey}", .. arguments]);
        Assert.True(result.ExitCode == 0, $"buf curl {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.StandardError}\ncoordinator:\n{Process.Output}");
        return result.StandardOutput;
    }
}
