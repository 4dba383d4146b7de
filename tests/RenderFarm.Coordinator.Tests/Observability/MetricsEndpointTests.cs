using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Observability;

/// <summary><c>/metrics</c> scraped through the test server after real renders.</summary>
public sealed class MetricsEndpointTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task Scrape_AfterOneSuccessAndOneBadInput_ShowsStatesFramesDurationsAndFailureClass()
    {
        await _farm.StartAgentAsync("agent-a", slots: 2);
        var input = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, "in.mp4"));
        var lut = Path.Combine(_farm.MediaDir, "broken.cube");
        await File.WriteAllTextAsync(lut, "LUT_3D_SIZE 2\n0 0 0\n");
        var good = await SubmitAsync(new JobSpec { InputPath = input, OutputPath = "good.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P } });
        var bad = await SubmitAsync(new JobSpec { InputPath = input, OutputPath = "bad.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P }, Grade = new Grade { LutPath = lut } });

        var done = await _farm.WaitForJobAsync(good, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(60));
        await _farm.WaitForJobAsync(bad, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(60));
        Assert.True(done.State == JobState.Succeeded, done.Error);

        var metrics = await ScrapeAsync();

        Assert.Equal(1, metrics["renderfarm_jobs{state=\"succeeded\"}"]);
        Assert.Equal(1, metrics["renderfarm_jobs{state=\"failed\"}"]);
        Assert.Equal(0, metrics["renderfarm_jobs{state=\"queued\"}"]);
        Assert.Equal(1, metrics["renderfarm_tasks{state=\"succeeded\"}"]);
        Assert.Equal(1, metrics["renderfarm_tasks{state=\"failed\"}"]);
        Assert.True(done.Result.FrameCount > 0);
        Assert.Equal(done.Result.FrameCount, metrics["renderfarm_frames_rendered_total"]);
        Assert.Equal(1, metrics["renderfarm_task_duration_seconds_count{preset=\"h264-proxy-540p\"}"]);
        Assert.Equal(1, metrics["renderfarm_attempt_failures_total{class=\"bad_input\"}"]);
        Assert.Equal(0, metrics["renderfarm_attempt_failures_total{class=\"transient\"}"]);
        Assert.Equal(0, metrics["renderfarm_retries_scheduled_total"]);
        Assert.Equal(2, metrics["renderfarm_task_submit_to_start_seconds_count"]);
        Assert.Equal(1, metrics["renderfarm_agents_connected"]);
        Assert.Equal(2, metrics["renderfarm_slots"]);
        Assert.Equal(0, metrics["renderfarm_render_fps"]);
    }

    [Fact]
    public async Task Scrape_WhileRendering_CountsBusySlotAndLiveFps()
    {
        await _farm.StartAgentAsync("agent-a");
        var input = await TestClips.CopyAsync(TestClips.LongAsync(), Path.Combine(_farm.MediaDir, "long.mp4"));
        var job = await SubmitAsync(new JobSpec { InputPath = input, OutputPath = "slow.mp4", Output = new OutputSettings { Preset = Preset.Av1Delivery, Crf = 20 } });

        PrometheusText metrics = null!;
        await FarmHost.WaitUntilAsync(async () => (metrics = await ScrapeAsync())["renderfarm_render_fps"] > 0, TimeSpan.FromSeconds(30));

        Assert.Equal(1, metrics["renderfarm_slots_busy"]);
        Assert.Equal(1, metrics["renderfarm_jobs{state=\"running\"}"]);
        Assert.Equal(1, metrics["renderfarm_tasks{state=\"running\"}"]);
        await _farm.Jobs.CancelJobAsync(new CancelJobRequest { JobId = job });
    }

    private async Task<string> SubmitAsync(JobSpec spec) => (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = spec })).Job.Id;

    private async Task<PrometheusText> ScrapeAsync()
    {
        using var http = _farm.CreateHttpClient();
        using var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return new PrometheusText(await response.Content.ReadAsStringAsync());
    }
}
