using Google.Protobuf.WellKnownTypes;
using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Fault.Tests;

/// <summary>A watch folder whose coordinator is killed (kill -9) again and again while files keep arriving.</summary>
public sealed class WatchFolderRestartTests(ITestOutputHelper output)
{
    private static readonly CoordinatorSettings FastScans = CoordinatorSettings.Fast with
    {
        ExtraArguments = ["--Coordinator:WatchFolders:ScanInterval=00:00:00.300"],
    };

    [Fact]
    public Task KillCoordinator_MidScan_RestartTakesNoFileTwiceAndMissesNone() =>
        FaultFarm.RunAsync(output, FastScans, async farm =>
        {
            var footage = Directory.CreateDirectory(farm.Media("footage")).FullName;
            var clip = await FaultClips.CopyToAsync(FaultClips.TakeAsync(), farm.Media("take.mp4"));
            await new RecipeService.RecipeServiceClient(farm.Channel).SaveRecipeAsync(new SaveRecipeRequest
            {
                Recipe = new Recipe { Name = "proxy", Output = new OutputSettings { Preset = Preset.H264Proxy540P }, OutputPattern = "proxies/{dir}/{name}.mp4" },
            });
            await new WatchFolderService.WatchFolderServiceClient(farm.Channel).AddWatchFolderAsync(new AddWatchFolderRequest
            {
                Path = footage, Recipe = "proxy", SettleTime = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
            });

            // Files keep arriving (as a copy from a card would) through every kill and restart.
            var files = new List<string>();
            using var stop = new CancellationTokenSource();
            var writer = Task.Run(async () =>
            {
                for (var i = 0; i < 360 && !stop.IsCancellationRequested; i++)
                {
                    var path = Path.Combine(footage, $"cam{i % 3}", $"F{i:0000}.mp4");
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    File.Copy(clip, path);
                    lock (files) files.Add(path);
                    await Task.Delay(25);
                }
            });

            async Task<List<Job>> JobsAsync() => (await farm.Jobs.ListJobsAsync(new ListJobsRequest { PageSize = 500 })).Jobs.ToList();
            var kills = new List<int>();
            for (var round = 0; round < 3; round++)
            {
                var before = (await JobsAsync()).Count;
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while ((await JobsAsync()).Count <= before && DateTime.UtcNow < deadline) await Task.Delay(50);
                await Task.Delay(Random.Shared.Next(0, 300)); // somewhere in the next scan
                farm.Coordinator.Kill();
                lock (files) kills.Add(files.Count);
                farm.Note($"killed the coordinator with {kills[^1]} files in the folder");
                await Task.Delay(300);
                await farm.Coordinator.StartAsync(farm.Channel);
            }

            await writer;
            List<string> expected;
            lock (files) expected = files.Order(StringComparer.Ordinal).ToList();
            var end = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while ((await JobsAsync()).Count < expected.Count && DateTime.UtcNow < end) await Task.Delay(200);
            await Task.Delay(TimeSpan.FromSeconds(2)); // more scans: nothing more to take
            var inputs = (await JobsAsync()).Select(j => j.Spec.InputPath).ToList();
            farm.Report($"MEASURE watch folder: {expected.Count} files, coordinator killed 3 times (files present at each kill: {string.Join(", ", kills)}), {inputs.Count} jobs");

            Assert.Equal(expected.Count, inputs.Distinct().Count());
            Assert.Equal(expected, inputs.Order(StringComparer.Ordinal));
        });
}
