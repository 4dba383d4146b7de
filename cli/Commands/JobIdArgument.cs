using System.CommandLine;

namespace RenderFarm.Cli.Commands;

internal static class JobIdArgument
{
    public static Argument<string> Create() => new("ID") { Description = "The job's id, as `farmctl jobs` shows it (or a batch's, batch-..., where the command takes one)." };
}
