using System.Diagnostics;
using RenderFarm.Protos.Media.Beneath;

namespace RenderFarm.Coordinator.Tests.Media;

/// <summary>Opening beneath a media root: what is followed, what is refused, and that a checked file is the used file.</summary>
public sealed class MediaDirectoryTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("rf-beneath-").FullName;
    private readonly string _root;
    private readonly string _outside;

    public MediaDirectoryTests()
    {
        _root = Directory.CreateDirectory(Path.Combine(_base, "root")).FullName;
        _outside = Directory.CreateDirectory(Path.Combine(_base, "outside")).FullName;
        File.WriteAllText(Path.Combine(_outside, "secret.mp4"), "outside bytes");
        Directory.CreateDirectory(Path.Combine(_root, "clips"));
        File.WriteAllText(Path.Combine(_root, "clips", "a.mp4"), "inside bytes");
    }

    [Fact]
    public void OpenFile_RelativeLinkThatStaysInside_IsFollowed()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "alias.mp4"), "clips/a.mp4");
        using var root = MediaDirectory.OpenRoot(_root);
        using var file = root.OpenFile("alias.mp4");
        Assert.Equal("inside bytes", ReadAll(file));
    }

    [Theory]
    [InlineData("up.mp4", "../outside/secret.mp4")]
    [InlineData("abs.mp4", "ABSOLUTE")]
    [InlineData("clips/deep.mp4", "../../outside/secret.mp4")]
    public void OpenFile_LinkThatLeadsOut_IsRefused(string name, string target)
    {
        File.CreateSymbolicLink(Path.Combine(_root, name), target == "ABSOLUTE" ? Path.Combine(_outside, "secret.mp4") : target);
        using var root = MediaDirectory.OpenRoot(_root);
        var error = Assert.Throws<MediaAccessException>(() => root.OpenFile(name));
        Assert.Contains("outside its media root", error.Message);
    }

    [Fact]
    public void OpenFile_DotDotPastTheRoot_IsRefused()
    {
        using var root = MediaDirectory.OpenRoot(_root);
        Assert.Throws<MediaAccessException>(() => root.OpenFile("clips/../../outside/secret.mp4"));
    }

    [Fact]
    public void OpenFile_FolderSwappedForALinkOut_IsRefused()
    {
        Directory.Move(Path.Combine(_root, "clips"), Path.Combine(_base, "moved"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "clips"), _outside);
        File.WriteAllText(Path.Combine(_outside, "a.mp4"), "outside bytes");
        using var root = MediaDirectory.OpenRoot(_root);
        Assert.Throws<MediaAccessException>(() => root.OpenFile("clips/a.mp4"));
        Assert.Throws<MediaAccessException>(() => root.OpenDirectory("clips"));
    }

    [Fact]
    public async Task OpenFile_Fifo_IsRefusedWithoutBlocking()
    {
        var fifo = Path.Combine(_root, "clips", "pipe.mp4");
        using (var mkfifo = Process.Start("mkfifo", fifo)) await mkfifo.WaitForExitAsync();
        using var root = MediaDirectory.OpenRoot(_root);
        var open = Task.Run(() => root.OpenFile("clips/pipe.mp4"));
        var finished = await Task.WhenAny(open, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(open, finished);
        var error = await Assert.ThrowsAsync<MediaAccessException>(() => open);
        Assert.Contains("not a regular file", error.Message);
    }

    [Fact]
    public async Task OpenForAppendAndCreateFile_FifoAtTheName_AreRefusedWithoutBlocking()
    {
        var fifo = Path.Combine(_root, "clips", ".renderfarm-att-1.upload");
        using (var mkfifo = Process.Start("mkfifo", fifo)) await mkfifo.WaitForExitAsync();
        using var root = MediaDirectory.OpenRoot(_root);
        using var clips = root.OpenDirectory("clips");

        var append = Task.Run(() => clips.OpenForAppend(".renderfarm-att-1.upload"));
        var create = Task.Run(() => clips.CreateFile(".renderfarm-att-1.upload", exclusive: false));
        var both = Task.WhenAll(append, create);
        var finished = await Task.WhenAny(both, Task.Delay(TimeSpan.FromSeconds(10)));

        Assert.Same(both, finished);
        Assert.Contains("not a regular file", (await Assert.ThrowsAsync<MediaAccessException>(() => append)).Message);
        Assert.Contains("not a regular file", (await Assert.ThrowsAsync<MediaAccessException>(() => create)).Message);
    }

    [Fact]
    public void OpenFile_NameSwappedAfterOpening_StillReadsTheCheckedFile()
    {
        using var root = MediaDirectory.OpenRoot(_root);
        using var file = root.OpenFile("clips/a.mp4");
        File.Delete(Path.Combine(_root, "clips", "a.mp4"));
        File.CreateSymbolicLink(Path.Combine(_root, "clips", "a.mp4"), Path.Combine(_outside, "secret.mp4"));

        Assert.Equal("inside bytes", ReadAll(file));
        Assert.Equal("inside bytes".Length, file.Length);
    }

    [Fact]
    public async Task ProcessPath_AnotherProcessReadsTheOpenFile_NotWhatTheNameLeadsToNow()
    {
        using var root = MediaDirectory.OpenRoot(_root);
        using var file = root.OpenFile("clips/a.mp4");
        File.Delete(Path.Combine(_root, "clips", "a.mp4"));
        File.CreateSymbolicLink(Path.Combine(_root, "clips", "a.mp4"), Path.Combine(_outside, "secret.mp4"));

        var start = new ProcessStartInfo("cat", file.ProcessPath) { RedirectStandardOutput = true };
        using var cat = Process.Start(start)!;
        var output = await cat.StandardOutput.ReadToEndAsync();
        await cat.WaitForExitAsync();
        Assert.Equal("inside bytes", output);
    }

    [Fact]
    public void CreateFile_ALinkAtTheName_IsNeverFollowed()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "clips", "out.mp4"), Path.Combine(_outside, "new.mp4"));
        using var root = MediaDirectory.OpenRoot(_root);
        using var clips = root.OpenDirectory("clips");
        Assert.Throws<MediaAccessException>(() => clips.CreateFile("out.mp4", exclusive: false));
        Assert.False(File.Exists(Path.Combine(_outside, "new.mp4")));
    }

    [Fact]
    public void DeleteTree_LinksInside_AreRemovedNotFollowed()
    {
        var work = Directory.CreateDirectory(Path.Combine(_root, "clips", ".work")).FullName;
        File.WriteAllText(Path.Combine(work, "chunk.mp4"), "x");
        Directory.CreateSymbolicLink(Path.Combine(work, "escape"), _outside);
        File.CreateSymbolicLink(Path.Combine(work, "secret.mp4"), Path.Combine(_outside, "secret.mp4"));
        using var root = MediaDirectory.OpenRoot(_root);
        using var clips = root.OpenDirectory("clips");

        Assert.True(clips.DeleteTree(".work"));

        Assert.False(Directory.Exists(work));
        Assert.Equal("outside bytes", File.ReadAllText(Path.Combine(_outside, "secret.mp4")));
    }

    [Fact]
    public void DeleteTree_TheFolderItselfSwappedForALink_RemovesOnlyTheLink()
    {
        File.WriteAllText(Path.Combine(_outside, "keep.mp4"), "keep");
        Directory.CreateSymbolicLink(Path.Combine(_root, "clips", ".work"), _outside);
        using var root = MediaDirectory.OpenRoot(_root);
        using var clips = root.OpenDirectory("clips");

        Assert.True(clips.DeleteTree(".work"));

        Assert.Equal("keep", File.ReadAllText(Path.Combine(_outside, "keep.mp4")));
        Assert.False(Path.Exists(Path.Combine(_root, "clips", ".work")));
    }

    [Fact]
    public void Rename_WithoutReplace_LeavesAnExistingFileAlone()
    {
        using var root = MediaDirectory.OpenRoot(_root);
        using var clips = root.OpenDirectory("clips");
        using (var stream = clips.CreateFile("b.tmp")) stream.Write("new"u8);

        var error = Assert.Throws<MediaAccessException>(() => clips.Rename("b.tmp", clips, "a.mp4", replace: false));

        Assert.True(error.Exists);
        Assert.Equal("inside bytes", File.ReadAllText(Path.Combine(_root, "clips", "a.mp4")));
        clips.Rename("b.tmp", clips, "a.mp4", replace: true);
        Assert.Equal("new", File.ReadAllText(Path.Combine(_root, "clips", "a.mp4")));
    }

    [Fact]
    public void CreateDirectories_MissingParts_AreMadeBeneathTheRoot()
    {
        using var root = MediaDirectory.OpenRoot(_root);

        using var made = root.CreateDirectories("out/day 1/proxies");

        Assert.True(Directory.Exists(Path.Combine(_root, "out", "day 1", "proxies")));
        Assert.Equal(root.OpenDirectory("out/day 1/proxies").Identity, made.Identity);
    }

    [Fact]
    public void CreateDirectories_APartThatIsALinkOut_IsRefusedAndNothingIsMadeOutside()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "escape"), _outside);
        using var root = MediaDirectory.OpenRoot(_root);

        var refused = Assert.Throws<MediaAccessException>(() => root.CreateDirectories("escape/new/deeper"));

        Assert.Contains("leads outside its media root", refused.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_outside, "new")));
    }

    [Fact]
    public void Identity_TwoNamesOfOneFile_AreEqual()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "same.mp4"), "clips/a.mp4");
        File.WriteAllText(Path.Combine(_root, "other.mp4"), "inside bytes");
        using var root = MediaDirectory.OpenRoot(_root);
        using var a = root.OpenFile("clips/a.mp4");
        using var same = root.OpenFile("same.mp4");
        using var other = root.OpenFile("other.mp4");
        Assert.Equal(a.Identity, same.Identity);
        Assert.NotEqual(a.Identity, other.Identity);
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private static string ReadAll(MediaFile file)
    {
        using var reader = new StreamReader(file.OpenRead());
        return reader.ReadToEnd();
    }
}
