using System.Diagnostics;
using System.Security.Cryptography;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Execution;

/// <summary>
/// A shared-storage agent opens the task's files beneath its media roots: links that stay inside a root are followed,
/// links that lead out are refused, a FIFO is refused without blocking, and an output that is the input's own file
/// (through a link) is refused without touching the input.
/// </summary>
public sealed class AgentMediaRootsTests : IAsyncLifetime
{
    private readonly AgentRig _rig = new("roots");
    private readonly TempDir _outside = new("outside");

    public Task InitializeAsync()
    {
        _rig.Link.Connect();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _rig.DisposeAsync();
        _outside.Dispose();
    }

    private AgentMediaRoots Roots() => new(new Dictionary<string, string> { ["media"] = _rig.Media });

    private static MediaRef Ref(string path) => new() { Root = "media", Path = path };

    [Fact]
    public void OpenFile_RelativeLinkInsideTheRoot_OpensTheFileItLeadsTo()
    {
        Directory.CreateDirectory(Path.Combine(_rig.Media, "clips"));
        File.WriteAllText(Path.Combine(_rig.Media, "clips", "a.cube"), "LUT_3D_SIZE 2\n");
        File.CreateSymbolicLink(Path.Combine(_rig.Media, "alias.cube"), "clips/a.cube");
        using var roots = Roots();

        using var viaLink = roots.OpenFile(Ref("alias.cube"), "LUT");
        using var direct = roots.OpenFile(Ref("clips/a.cube"), "LUT");

        Assert.Equal(direct.Identity, viaLink.Identity);
        Assert.Equal(14, viaLink.Length);
    }

    [Theory]
    [InlineData("loop1")]
    [InlineData("loop1/x.mp4")]
    [InlineData("self.mov")]
    public void OpenFile_LinkLoop_RefusedAsBadInputNotThrown(string path)
    {
        File.CreateSymbolicLink(Path.Combine(_rig.Media, "loop1"), "loop2");
        File.CreateSymbolicLink(Path.Combine(_rig.Media, "loop2"), "loop1");
        File.CreateSymbolicLink(Path.Combine(_rig.Media, "self.mov"), "self.mov");
        using var roots = Roots();

        var ex = Assert.Throws<RenderFailedException>(() => roots.OpenFile(Ref(path), "input"));

        Assert.Equal(FailureClass.BadInput, ex.FailureClass);
        Assert.Contains("link loop", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void OpenFile_LinkLeadingOutOfTheRoot_RefusedAsBadInput(bool absolute)
    {
        File.WriteAllText(_outside.File("secret.mp4"), "outside");
        var target = absolute ? _outside.File("secret.mp4") : Path.GetRelativePath(_rig.Media, _outside.File("secret.mp4"));
        File.CreateSymbolicLink(Path.Combine(_rig.Media, "in.mp4"), target);
        using var roots = Roots();

        var ex = Assert.Throws<RenderFailedException>(() => roots.OpenFile(Ref("in.mp4"), "input"));

        Assert.Equal(FailureClass.BadInput, ex.FailureClass);
        Assert.Contains("outside its media root", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenParent_FolderSwappedForALinkOut_RefusedAndNothingMadeOutside()
    {
        Directory.CreateSymbolicLink(Path.Combine(_rig.Media, "renders"), _outside.Path);
        using var roots = Roots();

        var ex = Assert.Throws<RenderFailedException>(() => roots.OpenParent(Ref("renders/new/out.mp4"), "output"));

        Assert.Equal(FailureClass.BadInput, ex.FailureClass);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_outside.Path));
    }

    [Fact]
    public async Task Start_FifoInput_FailsBadInputWithoutBlocking()
    {
        var work = await _rig.AssignmentAsync(TestClips.SdrAsync(), "out.mp4", Preset.H264Proxy540P);
        var fifo = Path.Combine(_rig.Media, "pipe.mp4");
        Assert.Equal(0, (await ProcessRunner.RunAsync("mkfifo", [fifo])).ExitCode);
        work.Input.Path = "pipe.mp4";

        var clock = Stopwatch.StartNew();
        _rig.Runner.Start(work);
        var final = await _rig.Link.FinalAsync(work.AttemptId).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(FailureClass.BadInput, final.Failed.FailureClass);
        Assert.Contains("pipe or socket", final.Failed.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"refusing the FIFO took {clock.Elapsed}");
        Assert.False(File.Exists(Path.Combine(_rig.Media, "out.mp4")));
    }

    [Fact]
    public async Task OpenFile_Fifo_RefusedWithoutOpeningIt()
    {
        var fifo = Path.Combine(_rig.Media, "grade.cube");
        Assert.Equal(0, (await ProcessRunner.RunAsync("mkfifo", [fifo])).ExitCode);
        using var roots = Roots();

        // Opening a FIFO for reading blocks until a writer comes; the refusal must come from its kind, not a timeout.
        var refusal = await Task.Run(() => Assert.Throws<RenderFailedException>(() => roots.OpenFile(Ref("grade.cube"), "LUT")))
            .WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(FailureClass.BadInput, refusal.FailureClass);
        Assert.Contains("pipe or socket", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_OutputThroughALinkBackToTheInput_FailsBadInputAndLeavesTheInputAlone()
    {
        var work = await _rig.AssignmentAsync(TestClips.SdrAsync(), "out.mp4", Preset.H264Proxy540P);
        var input = Path.Combine(_rig.Media, work.Input.Path);
        var before = SHA256.HashData(await File.ReadAllBytesAsync(input));
        Directory.CreateDirectory(Path.Combine(_rig.Media, "links"));
        Directory.CreateSymbolicLink(Path.Combine(_rig.Media, "links", "up"), "..");
        work.Output.Path = $"links/up/{work.Input.Path}";
        work.Overwrite = true;

        _rig.Runner.Start(work);
        var final = await _rig.Link.FinalAsync(work.AttemptId);

        Assert.Equal(FailureClass.BadInput, final.Failed.FailureClass);
        Assert.Contains("own input", final.Failed.Message, StringComparison.Ordinal);
        Assert.Equal(before, SHA256.HashData(await File.ReadAllBytesAsync(input)));
        Assert.Empty(_rig.ScratchFolders());
    }
}
