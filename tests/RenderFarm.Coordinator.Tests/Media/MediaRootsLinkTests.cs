using RenderFarm.Coordinator.Media;
using RenderFarm.Protos.Media;

namespace RenderFarm.Coordinator.Tests.Media;

/// <summary>Paths through links, resolved as the kernel resolves them, and link shapes that cannot be followed.</summary>
public sealed class MediaRootsLinkTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("rf-links-").FullName;
    private readonly string _media;
    private readonly string _outside;
    private readonly MediaRoots _roots;

    public MediaRootsLinkTests()
    {
        _media = Directory.CreateDirectory(Path.Combine(_root, "media")).FullName;
        _outside = Directory.CreateDirectory(Path.Combine(_root, "outside", "deep")).FullName;
        File.WriteAllText(Path.Combine(_root, "outside", "secret.mov"), "not for the farm");
        File.WriteAllText(Path.Combine(_media, "secret.mov"), "a decoy inside the root");
        _roots = new MediaRoots(new Dictionary<string, string> { ["media"] = _media });
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Refusal(string path)
    {
        Assert.False(_roots.TryResolve(path, out _, out var error), $"'{path}' was accepted");
        return error;
    }

    [Fact]
    public void TryResolve_DotDotInsideALinkTarget_LeavesTheFolderTheLinkLedTo()
    {
        // The kernel reads esc/../secret.mov as <where esc leads>/../secret.mov, which is outside; read as text it
        // would be the decoy inside the root.
        Directory.CreateSymbolicLink(Path.Combine(_media, "esc"), _outside);
        File.CreateSymbolicLink(Path.Combine(_media, "m.mov"), "esc/../secret.mov");

        Assert.Equal(Path.Combine(_root, "outside", "secret.mov"), PathSafety.RealPath(Path.Combine(_media, "m.mov")));
        Assert.Contains("outside the media roots", Refusal("m.mov"));
    }

    [Theory]
    [InlineData("loop1/x.mp4")]
    [InlineData("loop1")]
    [InlineData("self.mp4")]
    [InlineData("in/self.mp4")]
    public void TryResolve_LinkLoop_RefusedNamingTheLoop(string path)
    {
        File.CreateSymbolicLink(Path.Combine(_media, "loop1"), "loop2");
        File.CreateSymbolicLink(Path.Combine(_media, "loop2"), "loop1");
        File.CreateSymbolicLink(Path.Combine(_media, "self.mp4"), "self.mp4");
        Directory.CreateSymbolicLink(Path.Combine(_media, "in"), ".");

        Assert.Contains("loop of links", Refusal(path));
    }

    [Fact]
    public void TryResolve_FortyLinksInAChainStayInside_FortyOneAreALoop()
    {
        File.WriteAllText(Path.Combine(_media, "end.mov"), "x");
        File.CreateSymbolicLink(Path.Combine(_media, "l0"), "end.mov");
        for (var i = 1; i <= PathSafety.MaxLinks; i++) File.CreateSymbolicLink(Path.Combine(_media, $"l{i}"), $"l{i - 1}");

        Assert.True(_roots.TryResolve($"l{PathSafety.MaxLinks - 1}", out var media, out var error), error);
        Assert.Equal($"l{PathSafety.MaxLinks - 1}", media.Path);
        Assert.Contains("loop of links", Refusal($"l{PathSafety.MaxLinks}"));
    }

    [Theory]
    [InlineData(256, "x")]
    [InlineData(86, "ク")]
    public void TryResolve_NameLongerThanTheFileSystemAllows_RefusedInBytes(int count, string unit)
    {
        var name = string.Concat(Enumerable.Repeat(unit, count));

        Assert.Contains("bytes per file or folder name", Refusal(name + ".mp4"));
        Assert.Contains("bytes per file or folder name", Refusal(name + "/o.mp4"));
        Assert.True(_roots.TryResolve(string.Concat(Enumerable.Repeat(unit, 250 / System.Text.Encoding.UTF8.GetByteCount(unit))) + ".mp4", out _, out var error), error);
    }

    [Fact]
    public void OpenFile_HardLinkAndLinkToTheFolderAbove_SameIdentity_OtherFileNot()
    {
        File.WriteAllText(Path.Combine(_media, "a.mov"), "x");
        File.WriteAllText(Path.Combine(_media, "b.mov"), "x");
        Directory.CreateDirectory(Path.Combine(_media, "links"));
        Directory.CreateSymbolicLink(Path.Combine(_media, "links", "up"), "..");
        using (var ln = System.Diagnostics.Process.Start("ln", [Path.Combine(_media, "a.mov"), Path.Combine(_media, "hard.mov")])) ln.WaitForExit();
        using var root = RenderFarm.Protos.Media.Beneath.MediaDirectory.OpenRoot(_media);

        using var a = root.OpenFile("a.mov");
        using var throughLink = root.OpenFile("links/up/a.mov");
        using var hard = root.OpenFile("hard.mov");
        using var b = root.OpenFile("b.mov");

        Assert.Equal(a.Identity, throughLink.Identity);
        Assert.Equal(a.Identity, hard.Identity);
        Assert.NotEqual(a.Identity, b.Identity);
    }
}
