using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Api;

/// <summary>
/// SubmitJob through the real gRPC surface with values the coordinator cannot use: malformed Durations and
/// Timestamps, link loops, outputs that cannot exist, and outputs that are the input under another name. Each is
/// InvalidArgument naming the field and what to change; none is Internal, and none is accepted to fail later.
/// </summary>
public sealed class SubmitJobShapesTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync()
    {
        _farm = await FarmHost.StartAsync();
        var media = _farm.MediaDir;
        File.WriteAllText(Path.Combine(media, "a.mp4"), "a clip");
        File.WriteAllText(Path.Combine(media, "look.cube"), "LUT_3D_SIZE 2\n");
        File.WriteAllText(Path.Combine(media, "notadir.mp4"), "a file");
        File.CreateSymbolicLink(Path.Combine(media, "loop1"), "loop2");
        File.CreateSymbolicLink(Path.Combine(media, "loop2"), "loop1");
        File.CreateSymbolicLink(Path.Combine(media, "self.mp4"), "self.mp4");
        File.CreateSymbolicLink(Path.Combine(media, "dangling"), "no-such-folder");
        Directory.CreateDirectory(Path.Combine(media, "links"));
        Directory.CreateSymbolicLink(Path.Combine(media, "links", "up"), "..");
        using var ln = System.Diagnostics.Process.Start("ln", [Path.Combine(media, "a.mp4"), Path.Combine(media, "hard.mp4")]);
        await ln.WaitForExitAsync();
    }

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    private static JobSpec Spec(Action<JobSpec>? change = null)
    {
        var spec = new JobSpec { InputPath = "a.mp4", OutputPath = "out/b.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P } };
        change?.Invoke(spec);
        return spec;
    }

    private async Task<string> InvalidAsync(JobSpec spec)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _farm.Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = spec }).ResponseAsync);
        Assert.True(ex.StatusCode == StatusCode.InvalidArgument, $"{ex.StatusCode}: {ex.Status.Detail}");
        return ex.Status.Detail;
    }

    public static TheoryData<string, long, int> MalformedDurations()
    {
        var data = new TheoryData<string, long, int>();
        foreach (var field in new[] { "chunk_duration", "max_run_time", "stall_timeout" })
        {
            data.Add(field, 1, -1);
            data.Add(field, -1, 1);
            data.Add(field, 0, 1_000_000_000);
            data.Add(field, 0, -1_000_000_000);
            data.Add(field, 315_576_000_001, 0);
            data.Add(field, long.MinValue, int.MinValue);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MalformedDurations))]
    public async Task SubmitJob_MalformedDuration_InvalidArgumentNamingTheField(string field, long seconds, int nanos)
    {
        var value = new Duration { Seconds = seconds, Nanos = nanos };

        var detail = await InvalidAsync(Spec(s =>
        {
            if (field == "chunk_duration") s.ChunkDuration = value;
            else if (field == "max_run_time") s.MaxRunTime = value;
            else s.StallTimeout = value;
        }));

        Assert.Contains($"spec.{field}: {{seconds: {seconds}, nanos: {nanos}}} is not a valid Duration", detail);
    }

    [Theory]
    [InlineData(1_900_000_000, -1)]
    [InlineData(1_900_000_000, 1_000_000_000)]
    [InlineData(253_402_300_800, 0)]
    [InlineData(long.MinValue, 0)]
    public async Task SubmitJob_MalformedTimestamp_InvalidArgumentNamingTheField(long seconds, int nanos)
    {
        var detail = await InvalidAsync(Spec(s => s.StartTime = new Timestamp { Seconds = seconds, Nanos = nanos }));

        Assert.Contains($"spec.start_time: {{seconds: {seconds}, nanos: {nanos}}} is not a valid Timestamp", detail);
    }

    [Theory]
    [InlineData("input_path", "loop1")]
    [InlineData("input_path", "self.mp4")]
    [InlineData("output_path", "loop1/o.mp4")]
    [InlineData("output_path", "self.mp4")]
    [InlineData("grade.lut_path", "loop2")]
    public async Task SubmitJob_PathThroughALinkLoop_InvalidArgumentNamingTheLoop(string field, string path)
    {
        var detail = await InvalidAsync(Spec(s =>
        {
            if (field == "input_path") s.InputPath = path;
            else if (field == "output_path") { s.OutputPath = path; s.Overwrite = true; }
            else s.Grade = new Grade { LutPath = path };
        }));

        Assert.Contains($"spec.{field}: ", detail);
        Assert.Contains("loop of links", detail);
    }

    [Fact]
    public async Task SubmitJob_OutputBeneathAFile_InvalidArgumentNamingTheFile()
    {
        var detail = await InvalidAsync(Spec(s => s.OutputPath = "notadir.mp4/o.mp4"));

        Assert.Contains("spec.output_path: 'notadir.mp4' is a file, not a folder", detail);
    }

    [Fact]
    public async Task SubmitJob_OutputBeneathADanglingLink_InvalidArgument()
    {
        var detail = await InvalidAsync(Spec(s => s.OutputPath = "dangling/o.mp4"));

        Assert.Contains("spec.output_path: 'dangling' is a link to 'no-such-folder', which does not exist", detail);
    }

    [Theory]
    [InlineData("x", 300, "")]
    [InlineData("x", 256, "/o.mp4")]
    [InlineData("é", 128, ".mp4")]
    public async Task SubmitJob_NameLongerThanTheFileSystemAllows_InvalidArgument(string unit, int count, string tail)
    {
        var detail = await InvalidAsync(Spec(s => s.OutputPath = "out/" + string.Concat(Enumerable.Repeat(unit, count)) + tail));

        Assert.Contains("spec.output_path: has a name of", detail);
        Assert.Contains("at most 255 bytes per file or folder name", detail);
    }

    [Theory]
    [InlineData("links/up/a.mp4")]
    [InlineData("links/up/links/up/a.mp4")]
    [InlineData("hard.mp4")]
    public async Task SubmitJob_OutputIsTheInputUnderAnotherName_InvalidArgument(string output)
    {
        var detail = await InvalidAsync(Spec(s => { s.OutputPath = output; s.Overwrite = true; }));

        Assert.Contains($"spec.output_path: '{output}' is the input's file", detail);
        Assert.Equal("a clip", File.ReadAllText(Path.Combine(_farm.MediaDir, "a.mp4")));
    }

    [Fact]
    public async Task SubmitJob_OutputIsTheLut_InvalidArgument()
    {
        File.WriteAllText(Path.Combine(_farm.MediaDir, "look.mp4"), "LUT_3D_SIZE 2\n");
        File.CreateSymbolicLink(Path.Combine(_farm.MediaDir, "look-link.cube"), "look.mp4");

        var detail = await InvalidAsync(Spec(s => { s.OutputPath = "links/up/look.mp4"; s.Overwrite = true; s.Grade = new Grade { LutPath = "look-link.cube" }; }));

        Assert.Contains("is the LUT file of spec.grade.lut_path", detail);
    }

    [Fact]
    public async Task SubmitJob_LinksThatStayInsideAndNameAnotherFile_Accepted()
    {
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = Spec(s => { s.InputPath = "links/up/a.mp4"; s.OutputPath = "links/up/out/c.mp4"; }) })).Job;

        Assert.Equal("links/up/a.mp4", job.Spec.InputPath);
    }
}
