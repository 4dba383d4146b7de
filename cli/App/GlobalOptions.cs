using System.CommandLine;
using RenderFarm.Cli.Connection;

namespace RenderFarm.Cli.App;

/// <summary>Options every command accepts, before or after the command name.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Coordinator { get; } = new("--coordinator")
    {
        Description = $"Coordinator address, or several sharing one database, comma-separated (the first that answers is used); default: ${CoordinatorAddress.EnvironmentVariable}, else {CoordinatorAddress.Default}. http:// is plain HTTP/2.",
        HelpName = "URL",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Write one machine-readable JSON document (protobuf JSON) to stdout instead of tables.",
        Recursive = true,
    };

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Coordinator);
        root.Options.Add(Json);
    }
}
