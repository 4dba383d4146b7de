using Google.Protobuf.WellKnownTypes;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;
using Xunit;
using Xunit.Abstractions;

namespace RenderFarm.Coordinator.Tests.Recipes;

/// <summary>Watch folders on a real coordinator (SQLite, Quartz rescans, file-system events) and real files; the jobs stay queued.</summary>
public class WatchFolderTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string?> FastScans = new() { ["Coordinator:WatchFolders:ScanInterval"] = "00:00:00.300" };

    private static async Task<(FarmHost Farm, string Footage, WatchFolder Folder)> StartAsync(TimeSpan settle, bool events = true)
    {
        var farm = await FarmHost.StartAsync(new Dictionary<string, string?>(FastScans) { ["Coordinator:WatchFolders:UseFileSystemEvents"] = events ? "true" : "false" });
        var footage = Directory.CreateDirectory(Path.Combine(farm.MediaDir, "footage")).FullName;
        await new RecipeService.RecipeServiceClient(farm.Channel).SaveRecipeAsync(new SaveRecipeRequest { Recipe = RecipeServiceTests.Proxy(pattern: "proxies/{dir}/{name}.mp4") });
        var folder = (await new WatchFolderService.WatchFolderServiceClient(farm.Channel).AddWatchFolderAsync(new AddWatchFolderRequest
        {
            Path = footage, Recipe = "proxy-for-resolve", SettleTime = Duration.FromTimeSpan(settle),
        })).WatchFolder;
        return (farm, footage, folder);
    }

    private static async Task<List<Job>> JobsAsync(FarmHost farm) =>
        (await farm.Jobs.ListJobsAsync(new ListJobsRequest { PageSize = 500 })).Jobs.ToList();

    /// <summary>
    /// Writes <paramref name="bytes"/> to <paramref name="path"/> in <paramref name="pieces"/> pieces, <paramref name="pause"/> apart,
    /// calling <paramref name="between"/> after each; returns when the last piece was written.
    /// </summary>
    private static async Task<DateTimeOffset> CopySlowlyAsync(string path, byte[] bytes, int pieces, TimeSpan pause, Func<Task> between)
    {
        var last = DateTimeOffset.UtcNow;
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        var size = (bytes.Length + pieces - 1) / pieces;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            await file.WriteAsync(bytes.AsMemory(offset, Math.Min(size, bytes.Length - offset)));
            await file.FlushAsync();
            last = DateTimeOffset.UtcNow;
            await between();
            await Task.Delay(pause);
        }

        return last;
    }

    [Fact]
    public async Task Scan_FilesCopiedInSlowly_BecomeOneJobEachOnlyAfterTheySettle()
    {
        var settle = TimeSpan.FromSeconds(1.5);
        var (farm, footage, folder) = await StartAsync(settle);
        await using var _ = farm;
        var clip = await File.ReadAllBytesAsync(await TestClips.SdrAsync());
        Directory.CreateDirectory(Path.Combine(footage, "day2"));
        await File.WriteAllBytesAsync(Path.Combine(footage, "._A001.mp4"), clip);
        await File.WriteAllBytesAsync(Path.Combine(footage, ".DS_Store"), clip);
        await File.WriteAllBytesAsync(Path.Combine(footage, ".hidden.mp4"), clip);
        await File.WriteAllBytesAsync(Path.Combine(footage, "empty.mp4"), []);
        var growing = new[] { Path.Combine(footage, "A001.mp4"), Path.Combine(footage, "day2", "B001.mp4"), Path.Combine(footage, "C001.mp4.part") };

        var jobsWhileGrowing = 0;
        async Task CountJobs() => jobsWhileGrowing += (await JobsAsync(farm)).Count;
        var lastWrites = await Task.WhenAll(growing.Select(path => CopySlowlyAsync(path, clip, 12, TimeSpan.FromMilliseconds(300), CountJobs)));
        var lastWrite = growing.Zip(lastWrites).ToDictionary(p => p.First, p => p.Second);
        await FarmHost.WaitUntilAsync(async () => (await JobsAsync(farm)).Count >= 2, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2)); // several more scans: nothing more to take
        var jobs = await JobsAsync(farm);

        Assert.Equal(0, jobsWhileGrowing);
        Assert.Equal([growing[0], growing[1]], jobs.Select(j => j.Spec.InputPath).Order(StringComparer.Ordinal));
        Assert.Equal([Path.Combine(farm.MediaDir, "proxies", "A001.mp4"), Path.Combine(farm.MediaDir, "proxies", "day2", "B001.mp4")],
            jobs.Select(j => j.Spec.OutputPath).Order(StringComparer.Ordinal));
        Assert.All(jobs, j => Assert.True(j.CreateTime.ToDateTimeOffset() >= lastWrite[j.Spec.InputPath] + settle - TimeSpan.FromMilliseconds(50),
            $"{j.Spec.InputPath} became a job at {j.CreateTime}, before it had settled for {settle} after its last write at {lastWrite[j.Spec.InputPath]:O}"));
        Assert.All(jobs, j => Assert.Equal(("proxy-for-resolve", 1u), (j.Spec.RecipeName, j.Spec.RecipeVersion)));
        output.WriteLine($"MEASURE jobs {string.Join(", ", jobs.Select(j => (j.CreateTime.ToDateTimeOffset() - lastWrite[j.Spec.InputPath]).TotalSeconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))} s after their file's last write (settle {settle.TotalSeconds} s)");

        // The copy tool renames its partial file when done: that file is taken; a file renamed after it was taken is not taken again.
        File.Move(growing[2], Path.Combine(footage, "C001.mp4"));
        File.Move(growing[0], Path.Combine(footage, "A001-renamed.mp4"));
        await FarmHost.WaitUntilAsync(async () => (await JobsAsync(farm)).Count >= 3, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2));
        jobs = await JobsAsync(farm);
        var counts = (await new WatchFolderService.WatchFolderServiceClient(farm.Channel).ListWatchFoldersAsync(new ListWatchFoldersRequest())).WatchFolders.Single().Counts;

        Assert.Equal([growing[0], Path.Combine(footage, "C001.mp4"), growing[1]], jobs.Select(j => j.Spec.InputPath).Order(StringComparer.Ordinal));
        Assert.Equal((3u, 0u, 3u, 0u), (counts.Seen, counts.Settling, counts.Submitted, counts.Failed));
    }

    [Fact]
    public async Task Scan_CoordinatorRestartedWhileFilesArriveWithoutFileSystemEvents_TakesNoFileTwiceAndMissesNone()
    {
        // Only the Quartz rescans find the files here (as on a network share that sends no events).
        var (farm, footage, _) = await StartAsync(TimeSpan.FromSeconds(1), events: false);
        await using var _ = farm;
        var clip = Path.Combine(farm.MediaDir, "source.mp4");
        File.Copy(await TestClips.SdrAsync(), clip);
        var files = new List<string>();
        void Add(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var path = Path.Combine(footage, $"cam{files.Count % 3}", $"F{files.Count:0000}.mp4");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.Copy(clip, path);
                files.Add(path);
            }
        }

        var restarts = 0;
        for (var round = 0; round < 3; round++)
        {
            Add(40);
            // Restart once the first files of this round are jobs but (most likely) not all: a scan is under way or due.
            var before = (await JobsAsync(farm)).Count;
            await FarmHost.WaitUntilAsync(async () => (await JobsAsync(farm)).Count > before, TimeSpan.FromSeconds(30));
            Add(40);
            await farm.StopCoordinatorAsync();
            Add(20);
            await farm.StartCoordinatorAsync();
            restarts++;
        }

        await FarmHost.WaitUntilAsync(async () => (await JobsAsync(farm)).Count >= files.Count, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var inputs = (await JobsAsync(farm)).Select(j => j.Spec.InputPath).ToList();

        Assert.Equal(3, restarts);
        Assert.Equal(files.Count, inputs.Count);
        Assert.Equal(files.Order(StringComparer.Ordinal), inputs.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Scan_FileChangedAfterItWasTaken_IsTakenAgainOnlyWhereTheFolderSaysSo()
    {
        await using var farm = await FarmHost.StartAsync(FastScans);
        await new RecipeService.RecipeServiceClient(farm.Channel).SaveRecipeAsync(new SaveRecipeRequest { Recipe = RecipeServiceTests.Proxy(pattern: "proxies/{recipe}/{date}/{name}-{ext}.mp4") });
        var folders = new WatchFolderService.WatchFolderServiceClient(farm.Channel);
        var clip = await File.ReadAllBytesAsync(await TestClips.SdrAsync());
        var paths = new List<string>();
        foreach (var (name, retake) in new[] { ("retake", true), ("once", false) })
        {
            var folder = Directory.CreateDirectory(Path.Combine(farm.MediaDir, name)).FullName;
            await folders.AddWatchFolderAsync(new AddWatchFolderRequest
            {
                Path = folder, Recipe = "proxy-for-resolve", SettleTime = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)), RetakeChanged = retake,
            });
            paths.Add(Path.Combine(folder, $"{name}.mov"));
            await File.WriteAllBytesAsync(paths[^1], clip);
        }

        await FarmHost.WaitUntilAsync(async () => (await JobsAsync(farm)).Count >= 2, TimeSpan.FromSeconds(30));
        foreach (var path in paths) await File.AppendAllTextAsync(path, "more");
        await FarmHost.WaitUntilAsync(async () => (await JobsAsync(farm)).Count >= 3, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var inputs = (await JobsAsync(farm)).Select(j => j.Spec.InputPath).ToList();

        Assert.Equal(2, inputs.Count(p => p == paths[0]));
        Assert.Equal(1, inputs.Count(p => p == paths[1]));
    }

    [Fact]
    public async Task Scan_OnPostgres_TakesEveryFileOnceAndCountsThem()
    {
        await using var farm = await FarmHost.StartAsync(new Dictionary<string, string?>(FastScans)
        {
            ["Store:Provider"] = "Postgres", ["Store:ConnectionString"] = await TestPostgres.CreateDatabaseAsync(),
        });
        var footage = Directory.CreateDirectory(Path.Combine(farm.MediaDir, "footage")).FullName;
        await new RecipeService.RecipeServiceClient(farm.Channel).SaveRecipeAsync(new SaveRecipeRequest { Recipe = RecipeServiceTests.Proxy(pattern: "footage/proxies/{dir}/{name}.mp4") });
        var folders = new WatchFolderService.WatchFolderServiceClient(farm.Channel);
        await folders.AddWatchFolderAsync(new AddWatchFolderRequest { Path = footage, Recipe = "proxy-for-resolve", SettleTime = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) });
        var clip = await TestClips.SdrAsync();
        var files = Enumerable.Range(0, 20).Select(i => Path.Combine(footage, $"cam{i % 2}", $"F{i:00}.mp4")).ToList();
        foreach (var file in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.Copy(clip, file);
        }

        await FarmHost.WaitUntilAsync(async () => (await JobsAsync(farm)).Count >= files.Count, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2)); // more scans; the outputs' folder inside footage/ is never taken
        var jobs = await JobsAsync(farm);
        var counts = (await folders.ListWatchFoldersAsync(new ListWatchFoldersRequest())).WatchFolders.Single().Counts;

        Assert.Equal(files.Order(StringComparer.Ordinal), jobs.Select(j => j.Spec.InputPath).Order(StringComparer.Ordinal));
        Assert.Equal((20u, 0u, 20u, 0u), (counts.Seen, counts.Settling, counts.Submitted, counts.Failed));
    }

    [Fact]
    public async Task AddWatchFolder_FolderOutsideRootsOrUnknownRecipe_IsRefusedNamingTheField()
    {
        await using var farm = await FarmHost.StartAsync();
        var folders = new WatchFolderService.WatchFolderServiceClient(farm.Channel);
        var outside = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => folders.AddWatchFolderAsync(new AddWatchFolderRequest { Path = "/etc", Recipe = "x" }).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => folders.AddWatchFolderAsync(new AddWatchFolderRequest { Path = farm.MediaDir, Recipe = "nope" }).ResponseAsync);
        var editor = new WatchFolderService.WatchFolderServiceClient(farm.CreateChannel(await farm.CreateKeyAsync("ed", Role.Editor)));
        var notOperator = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => editor.AddWatchFolderAsync(new AddWatchFolderRequest { Path = farm.MediaDir, Recipe = "x" }).ResponseAsync);

        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, outside.StatusCode);
        Assert.StartsWith("path: '/etc' is outside the media roots", outside.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(Grpc.Core.StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(Grpc.Core.StatusCode.PermissionDenied, notOperator.StatusCode);
    }
}
