using System.Globalization;
using Grpc.Core;
using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>
/// A user with write access to the media root races a shared-storage agent: while jobs are submitted, assigned,
/// rendered and published, one place at a time (the input's folder, the LUT's folder, the output folder, the output
/// file, the folder holding a chunked job's work folder) is swapped back and forth with a link to a folder outside the
/// root, in a tight loop. Outside lie a clip and a LUT that are visibly different (a red 1 s clip of 30 frames, a LUT
/// that makes everything red) and a victim file. Whatever each job ends as, no output holds a byte from outside (each
/// published output has the inside clip's 60 frames and is not red) and nothing outside is created, changed or
/// deleted. Jobs per place: <c>RACE_TRIES</c> (default 8); no retries, so every job ends at its first failure.
/// </summary>
public sealed class MediaRaceTests(ITestOutputHelper output)
{
    private const int InsideFrames = 60; // TestClips.SdrAsync: 2 s at 30 fps, testsrc2 (mean V about 127)
    private const double RedV = 190; // a red clip, or a clip through the red LUT, has a mean V of 240

    private static int Tries => int.TryParse(Environment.GetEnvironmentVariable("RACE_TRIES"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 8;

    [Fact]
    public Task SharedAgent_PathsSwappedForLinksOutside_NoOutsideByteInAnOutputAndNothingOutsideTouched() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast with { ChunkMinInputDuration = TimeSpan.Zero }, async farm =>
        {
            var outside = farm.Folder("outside");
            await ProcessRunner.FfmpegAsync("-f", "lavfi", "-i", "color=red:s=160x90:r=30:d=1", "-c:v", "libx264", "-preset", "ultrafast",
                "-pix_fmt", "yuv420p", Path.Combine(outside, "a.mp4"));
            await File.WriteAllTextAsync(Path.Combine(outside, "grade.cube"), Lut(red: true));
            await File.WriteAllTextAsync(Path.Combine(outside, "victim.mp4"), "a file outside every media root");
            var before = Snapshot(outside);
            await farm.StartAgentAsync(new AgentSettings("agent-shared") { Slots = 2 });
            var clip = TestClips.SdrAsync();

            // The input's folder.
            await FaultClips.CopyToAsync(clip, farm.Media("race-input/a.mp4"));
            await RaceAsync(farm, "input", farm.Media("race-input"), outside, i => Once($"input {i}", farm.Media("race-input/a.mp4"), farm.Media($"race-input-out/o-{i}.mp4")),
                i => farm.Media($"race-input-out/o-{i}.mp4"));

            // The LUT's folder.
            await FaultClips.CopyToAsync(clip, farm.Media("lut-in/a.mp4"));
            Directory.CreateDirectory(farm.Media("race-lut"));
            await File.WriteAllTextAsync(farm.Media("race-lut/grade.cube"), Lut(red: false));
            await RaceAsync(farm, "LUT", farm.Media("race-lut"), outside, i =>
            {
                var spec = Once($"lut {i}", farm.Media("lut-in/a.mp4"), farm.Media($"race-lut-out/o-{i}.mp4"));
                spec.Grade = new Grade { LutPath = farm.Media("race-lut/grade.cube") };
                return spec;
            }, i => farm.Media($"race-lut-out/o-{i}.mp4"));

            // The output folder.
            await FaultClips.CopyToAsync(clip, farm.Media("out-in/a.mp4"));
            Directory.CreateDirectory(farm.Media("race-out"));
            await RaceAsync(farm, "output folder", farm.Media("race-out"), outside, i => Once($"out {i}", farm.Media("out-in/a.mp4"), farm.Media($"race-out/o-{i}.mp4")),
                i => farm.Media($"race-out/o-{i}.mp4"));

            // The output file itself (every job overwrites the same name).
            Directory.CreateDirectory(farm.Media("race-file"));
            await FaultClips.CopyToAsync(clip, farm.Media("race-file/o.mp4"));
            await RaceAsync(farm, "output file", farm.Media("race-file/o.mp4"), Path.Combine(outside, "victim.mp4"), i =>
            {
                var spec = Once($"file {i}", farm.Media("out-in/a.mp4"), farm.Media("race-file/o.mp4"));
                spec.Overwrite = true;
                return spec;
            }, _ => farm.Media("race-file/o.mp4"));

            // The folder holding a chunked job's work folder (.renderfarm-job-<id>, its chunks and audio).
            Directory.CreateDirectory(farm.Media("race-chunk"));
            await RaceAsync(farm, "work folder", farm.Media("race-chunk"), outside, i =>
            {
                var spec = Once($"chunked {i}", farm.Media("out-in/a.mp4"), farm.Media($"race-chunk/c-{i}.mp4"));
                spec.ChunkDuration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(1));
                return spec;
            }, i => farm.Media($"race-chunk/c-{i}.mp4"));

            var after = Snapshot(outside);
            Assert.True(before.SequenceEqual(after),
                $"the folder outside the media root changed:\nbefore: {string.Join("; ", before)}\nafter:  {string.Join("; ", after)}");
        });

    /// <summary>
    /// Submits <see cref="Tries"/> jobs while <paramref name="swapped"/> is swapped with a link to <paramref name="target"/>,
    /// waits until they all end, stops the swapping, and checks every published output.
    /// </summary>
    private async Task RaceAsync(FaultFarm farm, string place, string swapped, string target, Func<int, JobSpec> spec, Func<int, string> outputOf)
    {
        var jobs = new List<(int Index, string Id)>();
        var refused = 0;
        long swaps;
        await using (var swapper = new PathSwapper(swapped, target))
        {
            for (var i = 0; i < Tries; i++)
            {
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        jobs.Add((i, (await farm.SubmitAsync(spec(i))).Id));
                        break;
                    }
                    catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument && attempt < 200)
                    {
                        refused++; // submitted while the path led outside: refused at submission, as it should be
                        await Task.Delay(10);
                    }
                }
            }

            foreach (var (_, id) in jobs) await farm.WaitForEndAsync(id, TimeSpan.FromSeconds(240));
            swaps = swapper.Swaps;
        }

        var ended = new List<Job>();
        foreach (var (_, id) in jobs) ended.Add(await farm.GetJobAsync(id));
        var succeeded = 0;
        var checkedOutputs = new HashSet<string>();
        foreach (var (job, index) in ended.Select((j, n) => (j, jobs[n].Index)))
        {
            if (job.State != JobState.Succeeded) continue;
            succeeded++;
            var path = outputOf(index);
            if (!checkedOutputs.Add(path)) continue;
            Assert.True(File.Exists(path) && new FileInfo(path).LinkTarget is null, $"{place}: job {job.Id} succeeded but {path} is not a file inside the root");
            var frames = await Ffprobe.CountFramesAsync(path);
            var colour = await Measure.SignalStatsAsync(path);
            Assert.True(frames == InsideFrames && colour.VAvg < RedV,
                $"{place}: {path} holds content from outside the root: {frames} frames (inside clip {InsideFrames}), mean V {colour.VAvg:0.0} (red {RedV}+)");
        }

        var failures = ended.Where(j => j.State != JobState.Succeeded).GroupBy(j => Reason(j.Error)).Select(g => $"{g.Count()}x {g.Key}");
        farm.Report($"MEASURE race {place}: {jobs.Count} jobs ({refused} submissions refused while the path led outside), {swaps} swaps, " +
            $"{succeeded} succeeded, {jobs.Count - succeeded} failed [{string.Join("; ", failures)}], escapes 0");
    }

    /// <summary>A proxy job without retries: every job ends at its first failure, whatever class it has.</summary>
    private static JobSpec Once(string name, string input, string output) => Specs.Proxy(name, input, output, maxRetries: 0);

    private static string Reason(string error)
    {
        foreach (var known in new[] { "outside its media root", "link loop", "does not exist", "exists already", "already exists", "appeared while" })
        {
            if (error.Contains(known, StringComparison.Ordinal)) return known;
        }

        return error.Length > 80 ? error[..80] : error;
    }

    /// <summary>Every entry under <paramref name="folder"/>: its kind, size, write time and content hash.</summary>
    private static List<string> Snapshot(string folder) =>
        Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(path =>
        {
            var info = new FileInfo(path);
            if (Directory.Exists(path)) return $"{Path.GetRelativePath(folder, path)}/";
            var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
            return $"{Path.GetRelativePath(folder, path)} {info.Length} {info.LastWriteTimeUtc:O} {sha}";
        }).ToList();

    /// <summary>A 2-point <c>.cube</c>: the identity, or one that makes every colour pure red.</summary>
    private static string Lut(bool red)
    {
        var lines = new List<string> { "LUT_3D_SIZE 2" };
        for (var b = 0; b < 2; b++)
        for (var g = 0; g < 2; g++)
        for (var r = 0; r < 2; r++)
        {
            lines.Add(red ? "1 0 0" : $"{r} {g} {b}");
        }

        return string.Join('\n', lines) + "\n";
    }
}
