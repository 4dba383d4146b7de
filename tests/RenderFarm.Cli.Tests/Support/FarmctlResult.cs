namespace RenderFarm.Cli.Tests.Support;

/// <summary>One farmctl run: its exit code and everything it wrote.</summary>
public sealed record FarmctlResult(int ExitCode, string Out, string Error);
