using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using RenderFarm.Agent.Observability;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Observability;

/// <summary>
/// What an operator's Prometheus scrapes beyond the farm's own figures: the build, the process and the runtime, each gRPC
/// call by method and status on the coordinator, and each agent's own <c>/metrics</c> on its port.
/// </summary>
public sealed class ServiceMetricsTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    private async Task<PrometheusText> ScrapeCoordinatorAsync()
    {
        using var http = _farm.CreateHttpClient();
        return new PrometheusText(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
    }

    private static async Task<PrometheusText> ScrapeAsync(int port)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return new PrometheusText(await response.Content.ReadAsStringAsync());
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static string Rpc(string metric, string type, string method, string? code = null) =>
        $"{metric}{{grpc_type=\"{type}\",grpc_service=\"renderfarm.v1.JobService\",grpc_method=\"{method}\"{(code is null ? "" : $",grpc_code=\"{code}\"")}}}";

    [Fact]
    public async Task CoordinatorScrape_CountsEachCallByMethodAndStatus_AndShowsBuildProcessAndRuntime()
    {
        var before = await ScrapeCoordinatorAsync();
        Assert.Null(before.Find(Rpc("grpc_server_handled_total", "unary", "GetJob", "NotFound")));

        for (var i = 0; i < 3; i++)
        {
            var missing = await Assert.ThrowsAsync<RpcException>(() => _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = $"job-missing-{i}" }).ResponseAsync);
            Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        }

        await _farm.Jobs.ListJobsAsync(new ListJobsRequest());
        var metrics = await ScrapeCoordinatorAsync();

        Assert.Equal(3, metrics[Rpc("grpc_server_started_total", "unary", "GetJob")]);
        Assert.Equal(3, metrics[Rpc("grpc_server_handled_total", "unary", "GetJob", "NotFound")]);
        Assert.Equal(1, metrics[Rpc("grpc_server_handled_total", "unary", "ListJobs", "OK")]);
        Assert.Equal(3, metrics[Rpc("grpc_server_handling_seconds_count", "unary", "GetJob")]);
        Assert.True(metrics[Rpc("grpc_server_handling_seconds_sum", "unary", "GetJob")] > 0);

        var build = Assert.Single(metrics.StartingWith("renderfarm_build_info{component=\"coordinator\",version=\""));
        Assert.Equal(1, build.Value);
        Assert.Contains("runtime=\".NET 10", build.Key);
        Assert.True(metrics["process_cpu_seconds_total"] > 0);
        Assert.True(metrics["process_working_set_bytes"] > 0);
        Assert.True(metrics["process_start_time_seconds"] > 1_700_000_000);
        Assert.NotNull(metrics.Find("dotnet_collection_count_total{generation=\"0\"}"));
        Assert.True(metrics["dotnet_total_memory_bytes"] > 0);
    }

    [Fact]
    public async Task AgentScrape_AfterARender_CountsItsRenderFramesAndFfmpegTime_OnItsOwnPort()
    {
        var port = FreePort();
        var agent = await _farm.StartAgentAsync("metered", 1, new Dictionary<string, string?> { ["Agent:MetricsPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var quiet = await _farm.StartAgentAsync("quiet");
        Assert.Equal(0, quiet.Services.GetRequiredService<AgentMetricsServer>().Port);

        var idle = await ScrapeAsync(port);
        Assert.Equal(0, idle["renderfarm_agent_renders_total{kind=\"render\",outcome=\"succeeded\"}"]);
        Assert.Equal(1, idle["renderfarm_agent_slots"]);
        Assert.Equal(0, idle["renderfarm_agent_away"]);
        Assert.Equal(0, idle["renderfarm_agent_owner_present"]);

        // Drain the quiet agent so the job runs on the metered one.
        await _farm.Farm.DrainAgentAsync(new DrainAgentRequest { AgentId = "quiet", Reason = "test: keep the render on the metered agent" });
        var input = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, "metered.mp4"));
        var id = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { InputPath = input, OutputPath = "metered-out.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P } },
        })).Job.Id;
        var done = await _farm.WaitForJobAsync(id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(60));
        Assert.True(done.State == JobState.Succeeded, done.Error);
        Assert.Equal("metered", done.Tasks[0].Attempts.Single().AgentId);

        PrometheusText metrics = null!;
        await FarmHost.WaitUntilAsync(async () => (metrics = await ScrapeAsync(port))["renderfarm_agent_renders_total{kind=\"render\",outcome=\"succeeded\"}"] == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(done.Result.FrameCount, metrics["renderfarm_agent_frames_rendered_total"]);
        Assert.True(metrics["renderfarm_agent_ffmpeg_seconds_total{kind=\"render\"}"] > 0);
        Assert.Equal(0, metrics["renderfarm_agent_renders_total{kind=\"render\",outcome=\"failed\"}"]);
        Assert.Equal(0, metrics["renderfarm_agent_slots_busy"]);
        Assert.Equal(0, metrics["renderfarm_agent_transfer_bytes_total{direction=\"download\"}"]);
        Assert.Equal(0, metrics["renderfarm_agent_cache_requests_total{result=\"miss\"}"]);
        Assert.Equal(1, Assert.Single(metrics.StartingWith("renderfarm_build_info{component=\"agent\",")).Value);
        Assert.True(metrics["process_cpu_seconds_total"] > 0);
        GC.KeepAlive(agent);
    }

    [Fact]
    public async Task AgentScrape_InTransferMode_CountsTheDownloadOnceThenACacheHit_AndTheUploadedBytes()
    {
        var port = FreePort();
        var own = Path.Combine(_farm.Root, "agents", "mover");
        await _farm.StartAgentAsync("mover", 1, new Dictionary<string, string?>
        {
            ["Agent:MetricsPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Agent:Storage"] = "Transfer",
            ["Agent:MediaRoots:media"] = Path.Combine(own, "no-such-mount"),
            ["Agent:Transfer:CacheDirectory"] = Path.Combine(own, "cache"),
            ["Agent:Transfer:WorkDirectory"] = Path.Combine(own, "work"),
            ["Agent:DataDirectory"] = own,
        });
        var input = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, "moved.mp4"));

        foreach (var name in new[] { "moved-1.mp4", "moved-2.mp4" })
        {
            var id = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
            {
                Spec = new JobSpec { InputPath = input, OutputPath = name, Output = new OutputSettings { Preset = Preset.H264Proxy540P } },
            })).Job.Id;
            var done = await _farm.WaitForJobAsync(id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(90));
            Assert.True(done.State == JobState.Succeeded, done.Error);
        }

        PrometheusText metrics = null!;
        await FarmHost.WaitUntilAsync(async () => (metrics = await ScrapeAsync(port))["renderfarm_agent_renders_total{kind=\"render\",outcome=\"succeeded\"}"] == 2, TimeSpan.FromSeconds(10));
        var inputBytes = new FileInfo(input).Length;
        var outputBytes = new FileInfo(Path.Combine(_farm.MediaDir, "moved-1.mp4")).Length + new FileInfo(Path.Combine(_farm.MediaDir, "moved-2.mp4")).Length;
        Assert.Equal(1, metrics["renderfarm_agent_cache_requests_total{result=\"miss\"}"]);
        Assert.Equal(1, metrics["renderfarm_agent_cache_requests_total{result=\"hit\"}"]);
        Assert.Equal(inputBytes, metrics["renderfarm_agent_transfer_bytes_total{direction=\"download\"}"]);
        Assert.Equal(outputBytes, metrics["renderfarm_agent_transfer_bytes_total{direction=\"upload\"}"]);
        Assert.Equal(inputBytes, metrics["renderfarm_agent_cache_bytes"]);
        Assert.Equal(1, metrics["renderfarm_agent_cache_blobs"]);
    }
}
