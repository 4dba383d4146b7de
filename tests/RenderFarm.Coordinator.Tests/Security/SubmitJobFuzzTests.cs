using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using Xunit.Abstractions;

namespace RenderFarm.Coordinator.Tests.Security;

/// <summary>
/// Thousands of random and hostile SubmitJob requests (seeded, so a failure replays) through the real gRPC surface:
/// every answer is OK or a refusal that names the problem, never Internal; the coordinator keeps serving; and no file
/// outside the media root, nor in it, is created, changed or removed. Durations and Timestamps take every shape the
/// wire allows (not normalised, out of range), and paths run through link shapes: loops, a link to itself, chains of
/// 40 and 41 links, links up to the folder above, a dangling folder link, a file used as a folder, a hard link to the
/// input, names longer than the file system allows.
/// </summary>
public sealed class SubmitJobFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Seed = 6_2026;
    private const int Requests = 2500;
    private static readonly StatusCode[] Expected =
        [StatusCode.OK, StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.FailedPrecondition, StatusCode.ResourceExhausted];

    private FarmHost _farm = null!;
    private string _outside = null!;

    public async Task InitializeAsync()
    {
        _farm = await FarmHost.StartAsync(new Dictionary<string, string?>
        {
            ["Coordinator:Security:RequestsPerSecond"] = "100000",
            ["Coordinator:Security:RequestBurst"] = "1000000",
        });
        _outside = Directory.CreateDirectory(Path.Combine(_farm.Root, "outside")).FullName;
        File.WriteAllText(Path.Combine(_outside, "secret.cube"), "LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n");
        File.WriteAllText(Path.Combine(_outside, "secret.mov"), "not for the farm");
        File.WriteAllText(Path.Combine(_farm.MediaDir, "in.mov"), "a clip");
        File.WriteAllText(Path.Combine(_farm.MediaDir, "look.cube"), "LUT_3D_SIZE 2\n");
        File.CreateSymbolicLink(Path.Combine(_farm.MediaDir, "escape"), _outside);
        File.CreateSymbolicLink(Path.Combine(_farm.MediaDir, "passwd.mov"), "/etc/passwd");
        using var fifo = Process.Start("mkfifo", Path.Combine(_farm.MediaDir, "pipe.mov"));
        await fifo.WaitForExitAsync();
        var media = _farm.MediaDir;
        File.CreateSymbolicLink(Path.Combine(media, "loop1"), "loop2");
        File.CreateSymbolicLink(Path.Combine(media, "loop2"), "loop1");
        File.CreateSymbolicLink(Path.Combine(media, "self.mov"), "self.mov");
        File.CreateSymbolicLink(Path.Combine(media, "dangling"), "no-such-folder");
        File.CreateSymbolicLink(Path.Combine(media, "pipe-link.mov"), "pipe.mov");
        File.CreateSymbolicLink(Path.Combine(media, "dotdot.mov"), "escape/../secret.mov");
        File.WriteAllText(Path.Combine(media, "notadir.mov"), "a file");
        Directory.CreateDirectory(Path.Combine(media, "links"));
        Directory.CreateSymbolicLink(Path.Combine(media, "links", "up"), "..");
        File.CreateSymbolicLink(Path.Combine(media, "chain0"), "in.mov");
        for (var i = 1; i <= 41; i++) File.CreateSymbolicLink(Path.Combine(media, $"chain{i}"), $"chain{i - 1}");
        using var ln = Process.Start("ln", [Path.Combine(media, "in.mov"), Path.Combine(media, "hard.mov")]);
        await ln.WaitForExitAsync();
    }

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task SubmitJob_ThousandsOfHostileRequests_NeverInternalNoFileTouched()
    {
        var before = Snapshot();
        var random = new Random(Seed);
        var statuses = new Dictionary<StatusCode, int>();
        for (var i = 0; i < Requests; i++)
        {
            var request = new SubmitJobRequest { Spec = random.Next(20) == 0 ? null : Spec(random) };
            var status = StatusCode.OK;
            try
            {
                await _farm.Jobs.SubmitJobAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
            }
            catch (RpcException ex)
            {
                status = ex.StatusCode;
                if (!Expected.Contains(status)) Assert.Fail($"request {i} (seed {Seed}) got {status}: {ex.Status.Detail}\n{Describe(request)}");
                Assert.False(string.IsNullOrWhiteSpace(ex.Status.Detail), $"request {i}: {status} without a message");
            }

            statuses[status] = statuses.GetValueOrDefault(status) + 1;
        }

        output.WriteLine(string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}")));
        Assert.True(statuses.GetValueOrDefault(StatusCode.InvalidArgument) > Requests / 2, "most hostile requests are refused as invalid");
        Assert.True(statuses.GetValueOrDefault(StatusCode.OK) > 50, "some requests are valid jobs, accepted");
        var stats = await _farm.Farm.GetQueueStatsAsync(new GetQueueStatsRequest());
        Assert.NotNull(stats);
        Assert.Equal(before, Snapshot());
    }

    private static string Describe(SubmitJobRequest request)
    {
        try
        {
            return request.ToString();
        }
        catch (ArgumentException)
        {
            return "(a request with text JSON cannot show)";
        }
    }

    /// <summary>Every file and folder under the farm's root except the database: name, kind, size, last write.</summary>
    private List<string> Snapshot() =>
        Directory.EnumerateFileSystemEntries(_farm.Root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(p => !p.StartsWith(_farm.DataDir, StringComparison.Ordinal) && !p.StartsWith(Path.Combine(_farm.Root, "agents"), StringComparison.Ordinal))
            .Select(p => new FileInfo(p))
            .Select(f => $"{f.FullName} {f.Attributes} {(f.Attributes.HasFlag(FileAttributes.Directory) || f.LinkTarget is not null ? 0 : f.Length)} {f.LastWriteTimeUtc.Ticks}")
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>A third of the requests are a valid job with one field made hostile; the rest are hostile throughout.</summary>
    private JobSpec Spec(Random r)
    {
        if (r.Next(3) > 0) return Hostile(r);
        var valid = new JobSpec { InputPath = "in.mov", OutputPath = $"out/{r.Next(1_000_000)}.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P } };
        var hostile = Hostile(r);
        switch (r.Next(9))
        {
            case 0: valid.InputPath = hostile.InputPath; break;
            case 1: valid.OutputPath = hostile.OutputPath; break;
            case 2: valid.Grade = hostile.Grade; break;
            case 3: valid.Name = hostile.Name; break;
            case 4: valid.Priority = hostile.Priority; break;
            case 5: valid.StartTime = hostile.StartTime; break;
            case 6: valid.DependsOn.AddRange(hostile.DependsOn); break;
            case 7: valid.ChunkDuration = ProtoDuration(r); valid.MaxRunTime = hostile.MaxRunTime; valid.StallTimeout = hostile.StallTimeout; break;
            default: break;
        }

        return valid;
    }

    private JobSpec Hostile(Random r)
    {
        var spec = new JobSpec
        {
            Name = Maybe(r, () => Text(r)),
            InputPath = Maybe(r, () => PathText(r, input: true)),
            OutputPath = Maybe(r, () => PathText(r, input: false)),
            Priority = r.Next(4) == 0 ? Number(r) : r.Next(-150, 150),
            Overwrite = r.Next(2) == 0,
        };
        if (r.Next(8) > 0) spec.Output = Output(r);
        if (r.Next(3) == 0) spec.Grade = Grade(r);
        if (r.Next(4) == 0) spec.MaxRetries = (uint)Number(r);
        if (r.Next(5) == 0) spec.StartTime = r.Next(2) == 0 ? new Timestamp { Seconds = r.NextInt64(-100_000_000_000, 400_000_000_000), Nanos = r.Next(3) == 0 ? Number(r) : 0 } : ProtoTimestamp(r);
        if (r.Next(6) == 0) spec.Cron = Pick(r, "* * * * * ?", "0 0 0 1 1 ? 2099", "30 2 * * *", "99 99 99", "", "@reboot", Text(r));
        if (r.Next(6) == 0) spec.TimeZone = Pick(r, "UTC", "Europe/Paris", "Mars/Olympus", "../../etc/localtime", Text(r));
        for (var i = r.Next(6) == 0 ? r.Next(0, 300) : 0; i > 0; i--) spec.DependsOn.Add(Pick(r, "job-000000000000", Text(r), ""));
        if (r.Next(5) == 0) spec.MaxRunTime = r.Next(2) == 0 ? new Duration { Seconds = r.NextInt64(-1_000_000, 400_000_000_000), Nanos = r.Next(4) == 0 ? Number(r) : 0 } : ProtoDuration(r);
        if (r.Next(5) == 0) spec.StallTimeout = r.Next(2) == 0 ? new Duration { Seconds = r.NextInt64(-1_000, 1_000_000_000) } : ProtoDuration(r);
        if (r.Next(4) == 0) spec.ChunkDuration = ProtoDuration(r);
        if (r.Next(8) == 0) spec.WholeFile = true;
        return spec;
    }

    /// <summary>Any Duration the wire can carry: normalised or not, in range or not, with mixed signs.</summary>
    private static Duration ProtoDuration(Random r) => new()
    {
        Seconds = Pick(r, 0L, 1L, -1L, 30L, 3600L, 315_576_000_000L, 315_576_000_001L, -315_576_000_001L, long.MaxValue, long.MinValue, r.NextInt64(-10_000, 10_000)),
        Nanos = Pick(r, 0, 1, -1, 500_000_000, 999_999_999, -999_999_999, 1_000_000_000, -1_000_000_000, int.MaxValue, int.MinValue),
    };

    /// <summary>Any Timestamp the wire can carry: nanos out of range, seconds before year 1 and after year 9999.</summary>
    private static Timestamp ProtoTimestamp(Random r) => new()
    {
        Seconds = Pick(r, 0L, -1L, 1_900_000_000L, -62_135_596_800L, -62_135_596_801L, 253_402_300_799L, 253_402_300_800L, long.MaxValue, long.MinValue),
        Nanos = Pick(r, 0, 1, -1, 999_999_999, 1_000_000_000, int.MaxValue, int.MinValue),
    };

    private static OutputSettings Output(Random r) => new()
    {
        Preset = (Preset)(r.Next(3) == 0 ? Number(r) : r.Next(0, 20)),
        MaxWidth = (uint)(r.Next(3) == 0 ? Number(r) : r.Next(0, 9000)),
        MaxHeight = (uint)(r.Next(3) == 0 ? Number(r) : r.Next(0, 9000)),
        FrameRateMode = (FrameRateMode)(r.Next(4) == 0 ? Number(r) : r.Next(0, 4)),
        FrameRate = Pick(r, "", "25", "29.97", "30000/1001", "0", "-1", "1/0", "NaN", "1e308", "999999", Text(r)),
        AudioCodec = (AudioCodec)(r.Next(4) == 0 ? Number(r) : r.Next(0, 6)),
        Crf = (uint)(r.Next(3) == 0 ? Number(r) : r.Next(0, 70)),
        BitDepth = (uint)Pick(r, 0, 8, 10, 12, 16, Number(r)),
        HdrMode = (HdrMode)(r.Next(4) == 0 ? Number(r) : r.Next(0, 5)),
    };

    private Grade Grade(Random r)
    {
        var grade = new Grade { LutPath = r.Next(2) == 0 ? PathText(r, input: true, lut: true) : "" };
        if (r.Next(2) == 0) grade.Exposure = Real(r);
        if (r.Next(2) == 0) grade.Contrast = Real(r);
        if (r.Next(2) == 0) grade.Saturation = Real(r);
        if (r.Next(2) == 0) grade.Temperature = Real(r);
        return grade;
    }

    private string PathText(Random r, bool input, bool lut = false)
    {
        var name = lut ? "look.cube" : input ? "in.mov" : $"out/{r.Next(1000)}.mp4";
        return r.Next(16) switch
        {
            14 or 15 => LinkShape(r, name),
            0 => name,
            1 => Path.Combine(_farm.MediaDir, name),
            2 => Path.Combine(_outside, lut ? "secret.cube" : "secret.mov"),
            3 => Path.Combine(_outside, $"new-{r.Next(1000)}.mp4"),
            4 => "escape/" + (lut ? "secret.cube" : input ? "secret.mov" : "written.mp4"),
            5 => Pick(r, "../outside/secret.mov", "..\\..\\etc\\passwd", "a/../../outside/x.mp4", "./../outside", "media/../../x.mov", "%2e%2e/outside/secret.mov"),
            6 => Pick(r, "/dev/zero", "/dev/null", "/proc/self/environ", "/etc/passwd", "/", "~", "~/x.mp4", "pipe.mov", "passwd.mov", "escape"),
            7 => name + Pick(r, "\0", "\n", "\r", "\u001b[2J", "\u0007", "\u202e"),
            8 => Pick(r, "out:x.mp4", "a',drawtext=text=x.cube", "look.cube;rm -rf", "[in]lut3d=file=/etc/passwd[out].cube", "x\\:y=z.cube", "$(touch /tmp/pwned).mp4"),
            9 => new string('a', r.Next(200, 10_000)) + ".mp4",
            10 => string.Join('/', Enumerable.Repeat("deep", r.Next(1, 600))) + "/x.mp4",
            11 => Text(r),
            12 => Pick(r, "", " ", "\t", ".", "..", "/..", "//", "out/", "out/.mp4", "con.mp4", "file:///etc/passwd", "http://example.com/x.mov", "concat:in.mov|in.mov", "pipe:0"),
            _ => Pick(r, "ünïcödé/クリップ.mov", "emoji-🎬.mp4", "\ud800.mp4", "zero\u200bwidth.mp4", "ＦＵＬＬ.mp4"),
        };
    }

    /// <summary>Paths through the links made at the start, and names longer than the file system allows.</summary>
    private static string LinkShape(Random r, string name) => Pick(r,
        "loop1", "loop1/" + name, "loop2", "self.mov", "self.mov/x.mp4", "dangling/" + name, "pipe-link.mov", "dotdot.mov",
        "notadir.mov/" + name, "notadir.mov/deeper/x.mp4", "links/up/in.mov", "links/up/links/up/in.mov", "links/up/" + name,
        "links/up/look.cube", "chain40", "chain41", "chain41/x.mp4", "hard.mov", "links/up/hard.mov",
        new string('x', 256) + ".mp4", "out/" + new string('y', 300) + "/x.mp4", string.Concat(Enumerable.Repeat("ク", 90)) + ".mp4",
        string.Join('/', Enumerable.Repeat(new string('d', 250), 17)) + "/x.mp4");

    private static string Text(Random r)
    {
        var length = r.Next(5) == 0 ? r.Next(1000, 40_000) : r.Next(0, 40);
        var chars = new char[length];
        for (var i = 0; i < length; i++) chars[i] = r.Next(4) == 0 ? (char)r.Next(0, 0xFFFF) : (char)r.Next(32, 127);
        return new string(chars);
    }

    private static int Number(Random r) => Pick(r, int.MinValue, int.MaxValue, -1, 0, 1, 100, 101, 1 << 20, -(1 << 30));

    private static double Real(Random r) => Pick(r, double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 1e308, -1e308, double.Epsilon, 0, 1, 4.01, -10, 6500, 40001, r.NextDouble() * 100 - 50);

    private static string Maybe(Random r, Func<string> value) => r.Next(12) == 0 ? "" : value();

    private static T Pick<T>(Random r, params T[] values) => values[r.Next(values.Length)];
}
