using Grpc.Core;
using PuppeteerSharp;
using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>
/// Throughput over the last hour, from a real coordinator after a real render: GetThroughput with a viewer's key, and the
/// dashboard's farm view in headless Chromium, whose chart gains the job's bar without a reload.
/// </summary>
public sealed class DashboardThroughputTests(ITestOutputHelper output)
{
    [Fact]
    public Task Throughput_AfterARealJob_ApiCountsItAndTheFarmViewChartShowsItsBarWithoutReloading() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            await farm.StartAgentsAsync(new AgentSettings("tp-a"));
            var access = new AccessService.AccessServiceClient(farm.Channel);
            var viewerKey = (await access.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "val", Role = Role.Viewer })).Key;
            await using var browser = await DashboardBrowser.LaunchAsync();
            var page = await browser.NewTabAsync();
            await page.GoToAsync($"http://127.0.0.1:{farm.Coordinator.MetricsPort}/", WaitUntilNavigation.Load);
            await page.WaitForSelectorAsync("[data-testid=api-key]");
            await page.TypeAsync("[data-testid=api-key]", viewerKey);
            await page.ClickAsync("[data-testid=signin-button]");
            await page.WaitForSelectorAsync("svg[data-testid=throughput-chart]", new WaitForSelectorOptions { Timeout = 60_000 });
            Assert.Equal(60, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('[data-testid=throughput-bar]').length"));
            Assert.Equal(0, await TallestBarAsync(page)); // nothing has ended yet
            await page.EvaluateExpressionAsync("window.__sameDocument = true");

            var input = await FaultClips.CopyToAsync(TestClips.SdrAsync(), farm.Media("in/clip.mp4"));
            var job = await farm.SubmitAsync(Specs.Proxy("counted", input, farm.Media("out/clip.mp4")));
            var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(120));
            Assert.Equal(JobState.Succeeded, done.State);

            // The API, with a viewer's key: the job, its frames and its seconds of video, in the bucket it ended in.
            using var viewer = FarmCredentials.Channel(farm.Coordinator.Address, viewerKey);
            var series = await new FarmService.FarmServiceClient(viewer).GetThroughputAsync(new GetThroughputRequest());
            farm.Report($"GetThroughput total after one job: {series.Total}");
            Assert.Equal(60, series.Buckets.Count);
            Assert.Equal((1u, 0u, 0u), (series.Total.JobsSucceeded, series.Total.JobsFailed, series.Total.TasksFailed));
            Assert.True(series.Total.TasksSucceeded >= 1);
            Assert.Equal(done.Result.FrameCount, series.Total.Frames);
            Assert.Equal(done.Result.DurationSeconds, series.Total.MediaSeconds, 0.01);
            Assert.True(series.Total.BusySlots > 0, "the agent's slot was busy while it rendered");
            var ended = done.EndTime.ToDateTimeOffset();
            var bucket = Assert.Single(series.Buckets, b => b.JobsSucceeded == 1);
            Assert.InRange(ended - bucket.StartTime.ToDateTimeOffset(), TimeSpan.Zero, TimeSpan.FromMinutes(1));

            // The farm view read it again when WatchFarm pushed the job's end: a bar with the job's frames, on the same page.
            await page.WaitForFunctionAsync(
                "() => [...document.querySelectorAll('[data-testid=throughput-bar]')].some(g => Number(g.dataset.jobs) === 1 && Number(g.querySelector('rect.tp-ok').getAttribute('height')) > 0)",
                new WaitForFunctionOptions { Timeout = 60_000 });
            Assert.True(await TallestBarAsync(page) > 0);
            Assert.Equal((long)done.Result.FrameCount, await page.EvaluateExpressionAsync<long>(
                "[...document.querySelectorAll('[data-testid=throughput-bar]')].reduce((s, g) => s + Number(g.dataset.frames), 0)"));
            Assert.Contains("1 job done", await page.EvaluateExpressionAsync<string>("document.querySelector('[data-testid=throughput-total]').textContent"));
            Assert.True(await page.EvaluateExpressionAsync<bool>("window.__sameDocument === true"), "the page reloaded");
            var shot = await browser.ScreenshotAsync(page, "dashboard-throughput");
            farm.Report($"screenshot: {shot}");

            // The viewer may read the series but not change the farm.
            var refused = await Assert.ThrowsAsync<RpcException>(() => new FarmService.FarmServiceClient(viewer).DrainAgentAsync(new DrainAgentRequest { AgentId = "tp-a" }).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        });

    private static Task<double> TallestBarAsync(IPage page) =>
        page.EvaluateExpressionAsync<double>("Math.max(...[...document.querySelectorAll('rect.tp-ok')].map(r => Number(r.getAttribute('height'))))");
}
