using System.Globalization;
using System.Security.Cryptography;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>
/// An attacker with write access inside the media root races the coordinator: while jobs are submitted, assigned to
/// an agent in transfer mode (so the coordinator hashes, serves, receives, publishes, cuts pieces and cleans work
/// folders itself), rendered and published, a name each job uses is exchanged atomically, in a tight loop, with a
/// link to a folder outside every root (or, for <c>fifo</c>, the input file with a FIFO). Outside clips and LUTs are
/// visibly different (a red 192x108 clip of 45 frames; a LUT that paints everything green), so an output that read
/// a byte from outside shows it. Each place runs <c>RACE_TRIES</c> jobs (default 3); every job must end, every
/// published output must be the inside clip's 60 frames in its own colours, no blob from outside may reach the
/// agent, and nothing outside may be created, changed or removed.
/// </summary>
public sealed class MediaRootRaceTests(ITestOutputHelper output)
{
    private const long InsideFrames = 60;

    private static int Tries => int.TryParse(Environment.GetEnvironmentVariable("RACE_TRIES"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 3;

    private static CoordinatorSettings Settings => CoordinatorSettings.Fast with
    {
        ChunkMinInputDuration = TimeSpan.Zero,
        DefaultMaxRetries = 1,
        ExtraArguments = ["--Coordinator:Transfer:Pieces:MaxShareOfInput=1"],
    };

    [Theory]
    [InlineData("input")]
    [InlineData("lut")]
    [InlineData("output-folder")]
    [InlineData("work-folder")]
    [InlineData("piece")]
    [InlineData("fifo")]
    public Task CoordinatorSide_NameSwappedForALinkOutInATightLoop_NoByteFromOutsideAndNothingOutsideTouched(string place) =>
        FaultFarm.RunAsync(output, Settings, async farm =>
        {
            var outside = farm.Folder("outside");
            var outsideClip = await RaceClips.CopyAsync(RaceClips.OutsideAsync(), Path.Combine(outside, "clip.mp4"));
            await File.WriteAllTextAsync(Path.Combine(outside, "look.cube"), RaceClips.GreenLut);
            var forbidden = new HashSet<string>(StringComparer.Ordinal) { Sha256(outsideClip), Sha256(Path.Combine(outside, "look.cube")) };
            // Pieces are cut for an agent that does not hold the input: for that place a second agent takes the chunks
            // the first one (which downloaded the whole input to probe it) has no slot for.
            if (place == "piece") await farm.StartAgentsAsync(new AgentSettings("remote") { Transfer = true }, new AgentSettings("remote-2") { Transfer = true });
            else await farm.StartAgentAsync(new AgentSettings("remote") { Transfer = true, Slots = 2 });

            await using var swapper = new LinkSwapper();
            var racing = System.Diagnostics.Stopwatch.StartNew();
            var jobs = new List<(int Try, Job Job)>();
            var refused = 0;
            var extraChecks = new List<Func<Task>>();
            for (var i = 0; i < Tries; i++)
            {
                // The check at submission sees the inside names; the exchanges start right after it, as an attacker would.
                var pairs = new List<(string, string)>();
                var (spec, check) = await PrepareAsync(farm, place, i, outside, pairs);
                if (check is not null) extraChecks.Add(check);
                try
                {
                    jobs.Add((i, await farm.SubmitAsync(spec)));
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
                {
                    refused++; // the check at submission saw the link: refused, as it should be
                    farm.Note($"try {i} refused at submission: {ex.Status.Detail}");
                }

                if (place == "work-folder" && jobs.Count > 0 && jobs[^1].Try == i) await PrepareWorkFolderDecoyAsync(farm, i, jobs[^1].Job.Id, outside, pairs);
                // A third of the tries keep the link in place most of the time, a third take turns, a third mostly keep
                // the real name (so that most of those jobs get through and are published).
                foreach (var (a, b) in pairs) swapper.Add(a, b, linkShare: (i % 3) switch { 0 => 0.9, 1 => 0.5, _ => 0.1 });
            }

            // The outside folder as it is once every decoy is in place; nothing may change it from here on.
            var before = Snapshot(outside);
            if (place == "work-folder")
            {
                await Task.Delay(TimeSpan.FromSeconds(1.5));
                foreach (var (_, job) in jobs) await farm.Jobs.CancelJobAsync(new CancelJobRequest { JobId = job.Id });
            }

            var ended = new List<Job>();
            foreach (var (_, job) in jobs) ended.Add(await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(240)));
            var raced = racing.Elapsed;
            var swapsWhileRacing = swapper.Swaps;
            if (place == "work-folder") await Task.Delay(TimeSpan.FromSeconds(7)); // the cleaner's second sweep
            await swapper.StopAsync();

            var escapes = 0;
            foreach (var job in ended.Where(j => j.State == JobState.Succeeded))
            {
                var frames = await Ffprobe.CountFramesAsync(job.Result.Path);
                var colours = await Measure.SignalStatsAsync(job.Result.Path);
                var own = frames == InsideFrames && colours.VAvg is > 80 and < 180 && colours.UAvg is > 80 and < 180;
                if (!own) escapes++;
                Assert.True(own, $"{job.Id} published {frames} frames with mean U {colours.UAvg:0.0}, V {colours.VAvg:0.0}: not the inside clip");
                Assert.Equal(job.Result.Sha256, Sha256(job.Result.Path));
            }

            var agents = Path.Combine(Path.GetDirectoryName(outside)!, "agents");
            var leaked = Directory.EnumerateDirectories(agents).Select(a => Path.Combine(a, "cache", "blobs")).Where(Directory.Exists)
                .SelectMany(Directory.GetFiles).Select(Path.GetFileName).Where(n => forbidden.Contains(n!)).ToList();
            Assert.Empty(leaked);
            var after = Snapshot(outside);
            Assert.Equal(before, after);
            foreach (var check in extraChecks) await check();

            using var http = new HttpClient();
            var metrics = await http.GetStringAsync($"http://127.0.0.1:{farm.Coordinator.MetricsPort}/metrics");
            var pieces = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("renderfarm_transfer_pieces_total ", StringComparison.Ordinal))?.Split(' ')[1] ?? "0";
            var states = ended.GroupBy(j => j.State).Select(g => $"{g.Key.ToString().ToLowerInvariant()} {g.Count()}");
            farm.Report(string.Create(CultureInfo.InvariantCulture,
                $"MEASURE race place={place} tries={Tries} refused_at_submission={refused} {string.Join(" ", states)} swaps={swapper.Swaps} pieces_sent={pieces} escapes={escapes + leaked.Count}"));
            foreach (var failed in ended.Where(j => j.State == JobState.Failed)) farm.Report($"{failed.Id} failed: {failed.Error}");
            // The names flipped many times a second for as long as the jobs ran (how long that is depends on the job: one
            // refused at its first open ends within a second).
            var rate = swapsWhileRacing / Math.Max(raced.TotalSeconds, 0.001);
            Assert.True(swapsWhileRacing > 10 * Tries && rate > 20, $"only {swapsWhileRacing} exchanges in {raced.TotalSeconds:0.0} s were made");
        });

    /// <summary>The try's files and links inside the root, the pair the swapper exchanges, and the job's spec.</summary>
    private static async Task<(JobSpec Spec, Func<Task>? Check)> PrepareAsync(FaultFarm farm, string place, int i, string outside, List<(string, string)> pairs)
    {
        var input = farm.Media($"in/{i}/clip.mp4");
        Directory.CreateDirectory(Path.GetDirectoryName(input)!);
        await RaceClips.UniqueInsideAsync(input, i);
        var spec = Specs.Proxy($"race {place} {i}", input, farm.Media($"out/{i}/clip.mp4"));
        Directory.CreateDirectory(farm.Media($"out/{i}"));
        switch (place)
        {
            case "input":
                // in/i (the folder holding the input) <-> a link to the outside folder, which holds a clip of the same name.
                File.CreateSymbolicLink(farm.Media($"in/{i}-out"), outside);
                pairs.Add((farm.Media($"in/{i}"), farm.Media($"in/{i}-out")));
                return (spec, null);
            case "lut":
                var lut = farm.Media($"luts/{i}/look.cube");
                Directory.CreateDirectory(Path.GetDirectoryName(lut)!);
                await File.WriteAllTextAsync(lut, $"TITLE \"inside {i}\"\n" + RaceClips.IdentityLut);
                File.CreateSymbolicLink(farm.Media($"luts/{i}-out"), outside);
                spec.Grade = new Grade { LutPath = lut };
                pairs.Add((farm.Media($"luts/{i}"), farm.Media($"luts/{i}-out")));
                return (spec, null);
            case "output-folder":
                var target = Directory.CreateDirectory(Path.Combine(outside, $"out-{i}")).FullName;
                File.CreateSymbolicLink(farm.Media($"out/{i}-out"), target);
                pairs.Add((farm.Media($"out/{i}"), farm.Media($"out/{i}-out")));
                return (spec, null);
            case "work-folder":
                spec.ChunkDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(0.5));
                return (spec, null);
            case "piece":
                // The input's folder and (every other try) the output's folder, where the work folder and its pieces are.
                spec.ChunkDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(0.5));
                File.CreateSymbolicLink(farm.Media($"in/{i}-out"), outside);
                pairs.Add((farm.Media($"in/{i}"), farm.Media($"in/{i}-out")));
                if (i % 2 == 1)
                {
                    File.CreateSymbolicLink(farm.Media($"out/{i}-out"), Directory.CreateDirectory(Path.Combine(outside, $"pieces-{i}")).FullName);
                    pairs.Add((farm.Media($"out/{i}"), farm.Media($"out/{i}-out")));
                }

                return (spec, null);
            case "fifo":
                // The input file <-> a FIFO nobody writes; a plain job beside it must still be dispatched and finish.
                var fifo = farm.Media($"in/{i}/pipe.mp4");
                var mkfifo = await ProcessRunner.RunAsync("mkfifo", [fifo]);
                Assert.Equal(0, mkfifo.ExitCode);
                pairs.Add((input, fifo));
                var control = await RaceClips.UniqueInsideAsync(farm.Media($"plain/{i}.mp4"), 1000 + i);
                var plain = await farm.SubmitAsync(Specs.Proxy($"plain {i}", control, farm.Media($"plain-out/{i}.mp4")));
                return (spec, async () =>
                {
                    var done = await farm.WaitForEndAsync(plain.Id, TimeSpan.FromSeconds(120));
                    Assert.True(done.State == JobState.Succeeded, $"the plain job beside FIFO try {i} ended {done.State}: {done.Error}");
                    Assert.Equal(InsideFrames, await Ffprobe.CountFramesAsync(done.Result.Path));
                });
            default:
                throw new ArgumentOutOfRangeException(nameof(place), place, "no such place");
        }
    }

    /// <summary>
    /// For the work-folder place, once the job's id is known: an outside folder holding a decoy named like its work
    /// folder. Even tries exchange the output's folder with a link to it; odd ones exchange the work folder itself
    /// (once it exists) with a link to the decoy.
    /// </summary>
    private static async Task PrepareWorkFolderDecoyAsync(FaultFarm farm, int i, string jobId, string outside, List<(string, string)> pairs)
    {
        var decoyParent = Directory.CreateDirectory(Path.Combine(outside, $"work-{i}")).FullName;
        var decoy = Directory.CreateDirectory(Path.Combine(decoyParent, ".renderfarm-job-" + jobId)).FullName;
        await File.WriteAllTextAsync(Path.Combine(decoy, "chunk-0000.mp4"), "an outside file the cleaner must not remove");
        if (i % 2 == 0)
        {
            File.CreateSymbolicLink(farm.Media($"out/{i}-out"), decoyParent);
            pairs.Add((farm.Media($"out/{i}"), farm.Media($"out/{i}-out")));
        }
        else
        {
            File.CreateSymbolicLink(farm.Media($"out/{i}/decoy"), decoy);
            pairs.Add((farm.Media($"out/{i}/.renderfarm-job-" + jobId), farm.Media($"out/{i}/decoy")));
        }
    }

    /// <summary>Every entry under <paramref name="folder"/>: path, kind, size, last write and SHA-256 of files.</summary>
    private static List<string> Snapshot(string folder) =>
        Directory.EnumerateFileSystemEntries(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(p => new FileInfo(p))
            .Select(f => f.Attributes.HasFlag(FileAttributes.Directory)
                ? $"{f.FullName}/ {f.LastWriteTimeUtc.Ticks}"
                : $"{f.FullName} {f.Length} {f.LastWriteTimeUtc.Ticks} {Sha256(f.FullName)}")
            .Order(StringComparer.Ordinal)
            .ToList();

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
