using RenderFarm.Coordinator.Recipes;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;
using Xunit;

namespace RenderFarm.Coordinator.Tests.Recipes;

public class OutputPatternTests
{
    private static PresetInfo Proxy => PresetCatalog.TryGet(Preset.H264Proxy540P, out var preset) ? preset : throw new InvalidOperationException();

    private static List<string> Problems(string pattern)
    {
        var problems = new List<string>();
        OutputPattern.Validate(pattern, Proxy, problems);
        return problems;
    }

    [Fact]
    public void Validate_GoodPattern_HasNoProblem() =>
        Assert.Empty(Problems("proxies/{dir}/{name}_{width}x{height}_{date}.mp4"));

    [Theory]
    [InlineData("proxies/{nmae}.mp4", "{nmae} is not a token")]
    [InlineData("proxies/{dir}.mp4", "must contain {name}")]
    [InlineData("proxies/{name}.mxf", "end the pattern with .mp4")]
    [InlineData("proxies/{name}", "end the pattern with .mp4")]
    [InlineData("proxies/{name.mp4", "is not closed")]
    [InlineData("proxies/name}.mp4", "closes no token")]
    [InlineData("../{name}.mp4", "must not contain '.' or '..' folders")]
    [InlineData("", "is required")]
    public void Validate_BadPattern_NamesTheFieldAndTheFix(string pattern, string expected)
    {
        var problems = Problems(pattern);
        Assert.Contains(problems, p => p.StartsWith("recipe.output_pattern: ", StringComparison.Ordinal) && p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Expand_EmptyDir_DropsTheEmptyFolderAndStaysRelative()
    {
        var values = new Dictionary<string, string> { ["dir"] = "", ["name"] = "A001", ["width"] = "320", ["height"] = "180" };
        Assert.Equal("proxies/A001_320x180.mp4", OutputPattern.Expand("{dir}/proxies/{dir}/{name}_{width}x{height}.mp4", values));
    }

    [Fact]
    public void Expand_AbsolutePatternWithSubfolder_MirrorsTheSubfolder()
    {
        var values = new Dictionary<string, string> { ["dir"] = "day1/cam-a", ["name"] = "A001", ["ext"] = "MOV" };
        Assert.Equal("/mnt/out/day1/cam-a/A001-MOV.mp4", OutputPattern.Expand("/mnt/out/{dir}/{name}-{ext}.mp4", values));
    }
}
