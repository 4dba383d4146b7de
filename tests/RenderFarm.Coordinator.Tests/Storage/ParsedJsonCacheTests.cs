using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Storage;

public sealed class ParsedJsonCacheTests
{
    private static string Json(string name) => RowMapper.ToJson(new JobSpec { Name = name, InputPath = "in.mp4", OutputPath = "out.mp4", Priority = 3 });

    [Fact]
    public void Parse_SameTextTwice_GivesEqualButSeparateMessages()
    {
        var cache = new ParsedJsonCache<JobSpec>(16);

        var first = cache.Parse(Json("a"));
        var second = cache.Parse(Json("a"));

        Assert.Equal(first, second);
        Assert.NotSame(first, second);
        Assert.Equal(("a", 3), (first.Name, first.Priority));
    }

    [Fact]
    public void Parse_CallerChangesItsCopy_OthersStillReadTheStoredText()
    {
        var cache = new ParsedJsonCache<JobSpec>(16);
        var json = Json("a");

        var changed = cache.Parse(json);
        changed.Name = "changed";
        changed.DependsOn.Add("job-x");

        var again = cache.Parse(json);
        Assert.Equal("a", again.Name);
        Assert.Empty(again.DependsOn);
    }

    [Fact]
    public void Parse_ManyTexts_EachReadsBackWhatItSays()
    {
        var cache = new ParsedJsonCache<JobSpec>(4);

        // Far more texts than the cache keeps: generations turn over, and every text still parses to itself.
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 20; i++) Assert.Equal($"clip{i}", cache.Parse(Json($"clip{i}")).Name);
        }
    }

    [Fact]
    public void Parse_NotJson_Throws()
    {
        var cache = new ParsedJsonCache<JobSpec>(4);

        Assert.ThrowsAny<Exception>(() => cache.Parse("{not json"));
    }
}
