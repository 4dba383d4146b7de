namespace RenderFarm.Cli.Tests.Support;

/// <summary>
/// One attempt's log as GetTaskLog reveals it: the page token is an index into <see cref="Pages"/>, so each
/// call reads the next entry ("" = nothing new yet). Past the last entry the log has nothing new, and it is
/// complete once <see cref="Ended"/>.
/// </summary>
public sealed class FakeLog
{
    public List<string> Pages { get; } = [];

    /// <summary>Whether the attempt has ended (its log will not grow).</summary>
    public bool Ended { get; set; } = true;

    public static FakeLog Of(params string[] pages)
    {
        var log = new FakeLog();
        log.Pages.AddRange(pages);
        return log;
    }
}
