using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Media;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Jobs;

public sealed class JobValidatorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("rf-validate-").FullName;
    private readonly string _media;
    private readonly JobValidator _validator;

    public JobValidatorTests()
    {
        _media = Path.Combine(_root, "media");
        Directory.CreateDirectory(_media);
        File.WriteAllText(Path.Combine(_media, "in.mov"), "x");
        File.WriteAllText(Path.Combine(_media, "warm.cube"), "x");
        var options = Options.Create(new CoordinatorOptions { MediaRoots = new() { ["media"] = _media } });
        _validator = new JobValidator(new MediaRoots(options), options);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private JobSpec Spec(Action<JobSpec>? change = null)
    {
        var spec = new JobSpec
        {
            InputPath = Path.Combine(_media, "in.mov"),
            OutputPath = Path.Combine(_media, "out.mp4"),
            Output = new OutputSettings { Preset = Preset.H264Proxy540P },
        };
        change?.Invoke(spec);
        return spec;
    }

    private string Problems(Action<JobSpec> change) =>
        Assert.Throws<JobValidationException>(() => _validator.Validate(Spec(change))).Message;

    [Fact]
    public void Validate_GoodSpec_MapsPathsToMediaReferences()
    {
        var valid = _validator.Validate(Spec());

        Assert.Equal("in.mov", valid.Work.Input.Path);
        Assert.Equal("out.mp4", valid.Work.Output.Path);
        Assert.Equal(3, valid.MaxRetries);
    }

    [Fact]
    public void Validate_RelativePaths_ResolveAgainstFirstRoot()
    {
        var valid = _validator.Validate(Spec(s => { s.InputPath = "in.mov"; s.OutputPath = "proxies/out.mp4"; }));

        Assert.Equal("proxies/out.mp4", valid.Work.Output.Path);
    }

    [Theory]
    [InlineData("/etc/passwd", "outside the media roots")]
    [InlineData("../secret.mov", "must not contain '..'")]
    [InlineData("", "is required")]
    [InlineData("a\u0001b.mov", "control characters")]
    [InlineData("missing.mov", "does not exist")]
    public void Validate_BadInputPath_NamesFieldAndProblem(string path, string expected)
    {
        var message = Problems(s => s.InputPath = path);

        Assert.Contains("spec.input_path", message);
        Assert.Contains(expected, message);
    }

    [Fact]
    public void Validate_SymlinkLeadingOut_IsRefused()
    {
        var outside = Path.Combine(_root, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "x.mov"), "x");
        Directory.CreateSymbolicLink(Path.Combine(_media, "link"), outside);

        var message = Problems(s => s.InputPath = Path.Combine(_media, "link", "x.mov"));

        Assert.Contains("leads through a link", message);
    }

    [Fact]
    public void Validate_WrongExtensionForPreset_SaysWhichExtensions()
    {
        var message = Problems(s => { s.OutputPath = Path.Combine(_media, "out.mov"); s.Output.Preset = Preset.DnxhrHq; s.OutputPath = Path.Combine(_media, "out.mp4"); });

        Assert.Contains("spec.output_path: preset dnxhr-hq writes .mov or .mxf files, not '.mp4'", message);
    }

    [Fact]
    public void Validate_MissingPreset_ListsPresetNames()
    {
        var message = Problems(s => s.Output.Preset = Preset.Unspecified);

        Assert.Contains("spec.output.preset: is required; one of h264-proxy-540p", message);
    }

    [Fact]
    public void Validate_OutputThroughALinkToTheInputsFolder_IsRefusedAsTheInputsFile()
    {
        // links/up -> .. : "links/up/in.mov" names the input's own file under another path.
        Directory.CreateDirectory(Path.Combine(_media, "links"));
        Directory.CreateSymbolicLink(Path.Combine(_media, "links", "up"), "..");

        var message = Problems(s => { s.OutputPath = Path.Combine(_media, "links", "up", "in.mov"); s.Overwrite = true; s.Output.Preset = Preset.DnxhrHq; });

        Assert.Contains("is the input's file; the output must differ from spec.input_path", message);
    }

    [Fact]
    public void Validate_AbsoluteLinkInsideTheRoot_IsRefusedAtSubmission()
    {
        // Absolute links are never followed beneath a root, even to a file inside it: the farm would refuse it later.
        File.CreateSymbolicLink(Path.Combine(_media, "abs.mov"), Path.Combine(_media, "in.mov"));

        var message = Problems(s => s.InputPath = Path.Combine(_media, "abs.mov"));

        Assert.Contains("spec.input_path: ", message);
        Assert.Contains("leads outside its media root", message);
    }

    [Fact]
    public void Validate_InputIsAFifo_IsRefusedWithoutBlocking()
    {
        var fifo = Path.Combine(_media, "pipe.mov");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo)) mkfifo.WaitForExit();

        var message = Problems(s => s.InputPath = fifo);

        Assert.Contains("spec.input_path: ", message);
        Assert.Contains("is a device, pipe or socket, not a regular file", message);
    }

    [Fact]
    public void Validate_OutputWhoseParentIsAFile_IsRefused()
    {
        var message = Problems(s => s.OutputPath = Path.Combine(_media, "in.mov", "o.mp4"));

        Assert.Contains("spec.output_path: 'in.mov'", message);
        Assert.Contains("is a file, not a folder", message);
    }

    [Fact]
    public void Validate_MediaRootMissing_SaysWhichRootAndWhere()
    {
        var missing = Path.Combine(_root, "not-mounted");
        var options = Options.Create(new CoordinatorOptions { MediaRoots = new() { ["media"] = _media, ["archive"] = missing } });
        using var roots = new MediaRoots(options);
        var validator = new JobValidator(roots, options);

        var (name, path, error) = Assert.Single(roots.Unavailable);
        var message = Assert.Throws<JobValidationException>(() => validator.Validate(Spec(s => s.InputPath = Path.Combine(missing, "in.mov")))).Message;

        Assert.Equal(("archive", missing), (name, path));
        Assert.Contains("does not exist", error);
        Assert.Contains($"spec.input_path: media root 'archive' ({missing}) cannot be opened", message);
    }

    [Fact]
    public void Validate_ExistingOutputWithoutOverwrite_IsRefused()
    {
        File.WriteAllText(Path.Combine(_media, "out.mp4"), "x");

        Assert.Contains("already exists; set overwrite", Problems(_ => { }));
        _validator.Validate(Spec(s => s.Overwrite = true));
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsAllAtOnce()
    {
        var ex = Assert.Throws<JobValidationException>(() => _validator.Validate(Spec(s =>
        {
            s.Priority = 500;
            s.Output.Crf = 99;
            s.Output.Preset = Preset.HevcDelivery;
            s.Output.FrameRate = "fast";
        })));

        Assert.Contains(ex.Problems, p => p.StartsWith("spec.priority: 500", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.StartsWith("spec.output.crf: 99 is more than 51", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.StartsWith("spec.output.frame_rate: 'fast'", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_HdrKeepWithEightBit_ExplainsWhatToChange()
    {
        var message = Problems(s => { s.Output.Preset = Preset.H264Delivery; s.Output.HdrMode = HdrMode.Keep; });

        Assert.Contains("KEEP needs a 10-bit output", message);
    }

    [Fact]
    public void Validate_EmptyGrade_AsksForAtLeastOneSetting()
    {
        Assert.Contains("spec.grade: set at least one of", Problems(s => s.Grade = new Grade()));
    }

    [Fact]
    public void Validate_GradeOutOfRange_NamesTheField()
    {
        var message = Problems(s => s.Grade = new Grade { Exposure = 9, Saturation = double.NaN });

        Assert.Contains("spec.grade.exposure: 9 is outside -4..4", message);
        Assert.Contains("spec.grade.saturation", message);
    }

    [Fact]
    public void Validate_GradeWithLut_RequiresLut3dAndStripsUserPath()
    {
        var valid = _validator.Validate(Spec(s => s.Grade = new Grade { LutPath = Path.Combine(_media, "warm.cube") }));

        Assert.Contains("lut3d", valid.Requirements.Filters);
        Assert.Equal("", valid.Work.Grade.LutPath);
        Assert.Equal("warm.cube", valid.Work.Lut.Path);
    }

    [Theory]
    [InlineData("25", 25)]
    [InlineData("30000/1001", 29.97)]
    public void TryParseRate_ValidRates_Parse(string text, double expected)
    {
        Assert.True(JobValidator.TryParseRate(text, out var fps));
        Assert.Equal(expected, fps, 2);
    }

    [Theory]
    [InlineData("30/0")]
    [InlineData("a/b")]
    [InlineData("1/2/3")]
    public void TryParseRate_Invalid_ReturnsFalse(string text) => Assert.False(JobValidator.TryParseRate(text, out _));
}
