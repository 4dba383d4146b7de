using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using RenderFarm.Agent.Hosting;
using RenderFarm.Agent.Link;
using RenderFarm.Agent.Logs;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Logs;

public sealed class AttemptLogTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly TempDir _dir = new("attempt-log");
    private readonly FakeTimeProvider _time = new();
    private readonly AgentOutbox _outbox;
    private readonly AttemptLogs _logs;

    public AttemptLogTests()
    {
        _outbox = new AgentOutbox(_time);
        _logs = new AttemptLogs(_outbox, Options.Create(new AgentOptions { LogDirectory = _dir.File("logs"), LogFlushInterval = Interval }), _time, NullLogger<AttemptLogs>.Instance);
    }

    public void Dispose() => _dir.Dispose();

    private static List<ConnectRequest> Queued(ChannelReader<ConnectRequest> reader)
    {
        var messages = new List<ConnectRequest>();
        while (reader.TryRead(out var message)) messages.Add(message);
        return messages;
    }

    private static List<TaskLog> Pieces(IEnumerable<ConnectRequest> messages) =>
        messages.Where(m => m.MessageCase == ConnectRequest.MessageOneofCase.Log).Select(m => m.Log).ToList();

    private static void AssertContiguousFromZero(IReadOnlyList<TaskLog> pieces)
    {
        ulong next = 0;
        foreach (var piece in pieces)
        {
            Assert.Equal(next, piece.Offset);
            next += (ulong)Encoding.UTF8.GetByteCount(piece.Text);
        }
    }

    private static ConnectRequest Completed(string attemptId) => new() { Completed = new TaskCompleted { AttemptId = attemptId, Output = new OutputInfo() } };

    [Fact]
    public void Append_Text_WritesUtf8LinesToAFileNamedByTheAttempt()
    {
        var log = _logs.Open("a1");

        log.Append("first");
        log.Append("été 日本 🎬\r");
        log.Append("two\nlines");
        log.Append(new string('x', AttemptLog.MaxLineChars + 100));
        log.Complete(null);

        Assert.Equal(Path.Combine(_dir.File("logs"), "a1.log"), log.Path);
        var expected = "first\nété 日本 🎬\ntwo\nlines\n" + new string('x', AttemptLog.MaxLineChars) + "\n";
        Assert.Equal(expected, File.ReadAllText(log.Path!));
        Assert.Equal(Encoding.UTF8.GetByteCount(expected), log.Length);
    }

    [Fact]
    public void Open_HostileAttemptId_NamesTheFileInsideTheFolder()
    {
        var log = _logs.Open("../../etc/passwd");
        log.Complete(null);

        Assert.Equal(_dir.File("logs"), Path.GetDirectoryName(log.Path));
        Assert.Matches("^[0-9a-f]{32}\\.log$", Path.GetFileName(log.Path));
    }

    [Fact]
    public void Flush_EachInterval_SendsTheNewTextWithItsByteOffset()
    {
        var reader = _outbox.Connect();
        var log = _logs.Open("a1");

        log.Append("été");
        _time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        Assert.Empty(Queued(reader));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var first = Assert.Single(Pieces(Queued(reader)));
        log.Append("b");
        log.Append("c");
        _time.Advance(Interval);
        var second = Assert.Single(Pieces(Queued(reader)));
        _time.Advance(Interval);

        Assert.Empty(Queued(reader));
        Assert.Equal(("a1", 0ul, "été\n"), (first.AttemptId, first.Offset, first.Text));
        Assert.Equal((6ul, "b\nc\n"), (second.Offset, second.Text));
    }

    [Fact]
    public void Append_ChattyOutput_SendsPiecesOfWholeLinesUnder32KiBWithoutWaitingForTheClock()
    {
        var reader = _outbox.Connect();
        var log = _logs.Open("chatty");

        var queued = new List<ConnectRequest>();
        for (var i = 0; i < 3000; i++)
        {
            log.Append($"frame={i,6} fps=30 q=28.0 size=é{i}kB time=00:00:{i % 60:00}.00 speed=1.0x");
            queued.AddRange(Queued(reader));
        }

        var live = Pieces(queued);
        log.Complete(null);
        var all = live.Concat(Pieces(Queued(reader))).ToList();

        Assert.True(live.Count >= 4, $"only {live.Count} pieces before the end");
        Assert.All(live, p => Assert.InRange(Encoding.UTF8.GetByteCount(p.Text), LogChunks.MaxBytes - 200, LogChunks.MaxBytes));
        Assert.All(all, p => Assert.InRange(Encoding.UTF8.GetByteCount(p.Text), 1, LogChunks.MaxBytes));
        Assert.All(all, p => Assert.EndsWith("\n", p.Text, StringComparison.Ordinal));
        AssertContiguousFromZero(all);
        Assert.Equal(File.ReadAllText(log.Path!), string.Concat(all.Select(p => p.Text)));
    }

    [Fact]
    public void Flush_OutboxBackedUp_KeepsTheTextAndSendsItWhenThereIsRoom()
    {
        var reader = _outbox.Connect();
        var log = _logs.Open("a1");
        for (var i = 0; i < AgentOutbox.LiveBacklogLimit; i++) _outbox.Post(new ConnectRequest { Heartbeat = new Heartbeat() });

        log.Append("a");
        _time.Advance(Interval);
        Assert.Empty(Pieces(Queued(reader)));
        log.Append("b");
        _time.Advance(Interval);
        var piece = Assert.Single(Pieces(Queued(reader)));

        Assert.Equal((0ul, "a\nb\n"), (piece.Offset, piece.Text));
    }

    [Fact]
    public void Flush_OnANewStream_SendsTheLogAgainFromOffsetZero()
    {
        var first = _outbox.Connect();
        var log = _logs.Open("a1");
        log.Append("a");
        _time.Advance(Interval);
        Assert.Single(Pieces(Queued(first)));

        _outbox.Disconnect();
        log.Append("b");
        _time.Advance(Interval);
        var second = _outbox.Connect();
        log.Append("c");
        _time.Advance(Interval);
        var piece = Assert.Single(Pieces(Queued(second)));

        Assert.Equal((0ul, "a\nb\nc\n"), (piece.Offset, piece.Text));
    }

    [Fact]
    public void Complete_WithReport_QueuesTheRestOfTheLogJustBeforeTheReport()
    {
        var reader = _outbox.Connect();
        var log = _logs.Open("a1");
        log.Append("a");
        _time.Advance(Interval);
        log.Append("b");

        log.Complete(Completed("a1"));
        var queued = Queued(reader);

        Assert.Equal([ConnectRequest.MessageOneofCase.Log, ConnectRequest.MessageOneofCase.Log, ConnectRequest.MessageOneofCase.Completed], queued.Select(m => m.MessageCase));
        Assert.Equal((2ul, "b\n"), (queued[1].Log.Offset, queued[1].Log.Text));
    }

    [Fact]
    public void Complete_WhileDisconnected_EveryLaterStreamGetsTheWholeLogThenTheReport()
    {
        var first = _outbox.Connect();
        var log = _logs.Open("a1");
        log.Append("a");
        _time.Advance(Interval);
        Assert.Single(Pieces(Queued(first)));
        _outbox.Disconnect();
        log.Append("b");
        log.Complete(Completed("a1"));

        var second = Queued(_outbox.Connect());
        _outbox.Disconnect();
        var third = Queued(_outbox.Connect());

        foreach (var stream in new[] { second, third })
        {
            Assert.Equal([ConnectRequest.MessageOneofCase.Log, ConnectRequest.MessageOneofCase.Completed], stream.Select(m => m.MessageCase));
            Assert.Equal((0ul, "a\nb\n"), (stream[0].Log.Offset, stream[0].Log.Text));
        }
    }

    [Fact]
    public void Complete_Twice_QueuesTheReportOnce()
    {
        var reader = _outbox.Connect();
        var log = _logs.Open("a1");
        log.Append("a");

        log.Complete(Completed("a1"));
        log.Complete(Completed("a1"));
        log.Append("late");

        Assert.Single(Queued(reader), m => m.MessageCase == ConnectRequest.MessageOneofCase.Completed);
        Assert.Equal("a\n", File.ReadAllText(log.Path!));
    }
}
