using RenderFarm.Agent.Execution;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Tests.Execution;

/// <summary>The agent's own check of the paths it is sent: links that leave the root or go round in circles are refused, not thrown.</summary>
public sealed class AgentMediaRootsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("rf-agent-roots-").FullName;
    private readonly string _media;
    private readonly AgentMediaRoots _roots;

    public AgentMediaRootsTests()
    {
        _media = Directory.CreateDirectory(Path.Combine(_root, "media")).FullName;
        Directory.CreateDirectory(Path.Combine(_root, "outside"));
        File.WriteAllText(Path.Combine(_media, "in.mov"), "x");
        File.CreateSymbolicLink(Path.Combine(_media, "loop1"), "loop2");
        File.CreateSymbolicLink(Path.Combine(_media, "loop2"), "loop1");
        File.CreateSymbolicLink(Path.Combine(_media, "self.mov"), "self.mov");
        Directory.CreateSymbolicLink(Path.Combine(_media, "out"), Path.Combine(_root, "outside"));
        Directory.CreateSymbolicLink(Path.Combine(_media, "up"), ".");
        _roots = new AgentMediaRoots(new Dictionary<string, string> { ["media"] = _media });
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("loop1", "loop of links")]
    [InlineData("loop1/x.mp4", "loop of links")]
    [InlineData("self.mov", "loop of links")]
    [InlineData("out/x.mp4", "outside media root")]
    public void TryResolve_LinkLoopOrLinkOut_Refused(string path, string reason)
    {
        Assert.False(_roots.TryResolve(new MediaRef { Root = "media", Path = path }, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void TryResolve_LinkThatStaysInside_Resolves()
    {
        Assert.True(_roots.TryResolve(new MediaRef { Root = "media", Path = "up/up/in.mov" }, out var path, out var error), error);
        Assert.Equal(Path.Combine(_media, "up", "up", "in.mov"), path);
    }
}
