namespace RenderFarm.Cli.App;

/// <summary>Process exit codes. Scripts rely on them: keep <see cref="HelpText"/> in step.</summary>
public static class ExitCodes
{
    /// <summary>The command worked; a waited, watched or followed job succeeded.</summary>
    public const int Success = 0;

    /// <summary>A waited, watched or followed job failed.</summary>
    public const int JobFailed = 1;

    /// <summary>A waited, watched or followed job was canceled.</summary>
    public const int JobCanceled = 2;

    /// <summary>The coordinator refused or failed the request (bad argument, unknown job, wrong state...).</summary>
    public const int Refused = 3;

    /// <summary>The coordinator could not be reached.</summary>
    public const int Unreachable = 4;

    /// <summary>The command line was wrong (sysexits EX_USAGE); nothing was sent.</summary>
    public const int Usage = 64;

    /// <summary>Interrupted (Ctrl+C) while watching, following a log or in top; the jobs themselves keep running.</summary>
    public const int Interrupted = 130;

    public const string HelpText =
        """
        Exit codes:
          0    success; a waited/watched/followed job succeeded
          1    the waited/watched/followed job failed
          2    the waited/watched/followed job was canceled
          3    the coordinator refused the request (bad argument, unknown job, wrong state)
          4    the coordinator could not be reached
          64   bad command line; nothing was sent
          130  interrupted while watching, following (logs -f) or in top; jobs keep running
        """;
}
