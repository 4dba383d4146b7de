using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using RenderFarm.Agent.Hosting;
using RenderFarm.Agent.Link;
using RenderFarm.Agent.Logs;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Logs;

public sealed class LogRetentionTests : IDisposable
{
    private readonly TempDir _dir = new("log-retention");

    public void Dispose() => _dir.Dispose();

    /// <summary>Writes <paramref name="name"/> with <paramref name="bytes"/> bytes, last written <paramref name="minutesAgo"/> minutes ago.</summary>
    private string OldLog(string name, int minutesAgo, int bytes = 10)
    {
        var path = _dir.File(name);
        File.WriteAllBytes(path, new byte[bytes]);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-minutesAgo));
        return path;
    }

    private List<string> Names() => Directory.GetFiles(_dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;

    [Fact]
    public void Prune_MoreFilesThanKept_RemovesTheOldestButNeverAnOpenLog()
    {
        var open = OldLog("open.log", 100);
        for (var i = 1; i <= 5; i++) OldLog($"old{i}.log", i);

        var removed = LogRetention.Prune(_dir.Path, 3, long.MaxValue, [open]);

        Assert.Equal(["old1.log", "old2.log", "open.log"], Names());
        Assert.Equal(3, removed.Count);
    }

    [Fact]
    public void Prune_OverTheSizeCap_RemovesTheOldestUntilTheRestFits()
    {
        OldLog("new.log", 1, 400);
        OldLog("mid.log", 2, 400);
        OldLog("old.log", 3, 400);
        OldLog("notes.txt", 4, 5000);

        LogRetention.Prune(_dir.Path, 100, 1000, []);

        Assert.Equal(["mid.log", "new.log", "notes.txt"], Names());
    }

    [Fact]
    public void Open_WithOldLogs_KeepsTheNewestUpToTheRetentionCount()
    {
        for (var i = 1; i <= 5; i++) OldLog($"old{i}.log", i);
        var time = new FakeTimeProvider();
        var logs = new AttemptLogs(
            new AgentOutbox(time), Options.Create(new AgentOptions { LogDirectory = _dir.Path, LogRetentionCount = 3 }), time, NullLogger<AttemptLogs>.Instance);

        var log = logs.Open("fresh");
        log.Append("hello");
        log.Complete(null);

        Assert.Equal(["fresh.log", "old1.log", "old2.log"], Names());
        Assert.Equal("hello\n", File.ReadAllText(_dir.File("fresh.log")));
    }
}
