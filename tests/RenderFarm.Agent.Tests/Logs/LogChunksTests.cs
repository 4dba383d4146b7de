using System.Text;
using RenderFarm.Agent.Logs;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Logs;

public sealed class LogChunksTests : IDisposable
{
    private readonly TempDir _dir = new("log-chunks");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Read_LineLongerThanAPiece_CutsBetweenCharactersAndKeepsEveryByte()
    {
        var text = "a" + new string('é', 20_000) + "\n";
        var path = _dir.File("long.log");
        File.WriteAllText(path, text);
        var length = Encoding.UTF8.GetByteCount(text);

        var pieces = LogChunks.Read(path, 0, length);

        Assert.Equal(2, pieces.Count);
        Assert.Equal(LogChunks.MaxBytes - 1, pieces[0].End);
        Assert.Equal((pieces[0].End, (long)length), (pieces[1].Offset, pieces[1].End));
        Assert.DoesNotContain('\uFFFD', pieces[0].Text + pieces[1].Text);
        Assert.Equal(text, pieces[0].Text + pieces[1].Text);
    }

    [Fact]
    public void Read_ManyLines_EndsEachPieceAfterALine()
    {
        var text = string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i} of a chatty log\n"));
        var path = _dir.File("lines.log");
        File.WriteAllText(path, text);

        var pieces = LogChunks.Read(path, 0, text.Length);

        Assert.True(pieces.Count >= 2);
        Assert.All(pieces, p => Assert.EndsWith("\n", p.Text, StringComparison.Ordinal));
        Assert.All(pieces.Zip(pieces.Skip(1)), pair => Assert.Equal(pair.First.End, pair.Second.Offset));
        Assert.Equal(text, string.Concat(pieces.Select(p => p.Text)));
    }

    [Fact]
    public void Read_MissingFile_ReturnsNothing()
    {
        Assert.Empty(LogChunks.Read(_dir.File("gone.log"), 0, 100));
    }
}
