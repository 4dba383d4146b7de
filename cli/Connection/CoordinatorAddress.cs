using System.Diagnostics.CodeAnalysis;

namespace RenderFarm.Cli.Connection;

/// <summary>The coordinator farmctl talks to, and where that address came from (for error messages).</summary>
public sealed record CoordinatorAddress(Uri Uri, string Source)
{
    /// <summary>Every coordinator given (comma-separated); farmctl uses the first that answers. <see cref="Uri"/> is the first.</summary>
    public IReadOnlyList<Uri> Uris { get; init; } = [Uri];

    public const string EnvironmentVariable = "RENDERFARM_COORDINATOR";
    public const string Default = "http://127.0.0.1:7400";

    /// <summary>--coordinator wins, then $RENDERFARM_COORDINATOR, then <see cref="Default"/>.</summary>
    public static bool TryResolve(
        string? option,
        Func<string, string?> getEnvironmentVariable,
        [NotNullWhen(true)] out CoordinatorAddress? address,
        [NotNullWhen(false)] out string? problem)
    {
        var fromEnvironment = getEnvironmentVariable(EnvironmentVariable);
        var (text, source) =
            !string.IsNullOrWhiteSpace(option) ? (option, "from --coordinator")
            : !string.IsNullOrWhiteSpace(fromEnvironment) ? (fromEnvironment, $"from ${EnvironmentVariable}")
            : (Default, "the default");

        if (RenderFarm.Protos.Connection.CoordinatorChannel.TryParse(text, out var uris, out _))
        {
            address = new CoordinatorAddress(uris[0], source) { Uris = uris };
            problem = null;
            return true;
        }

        address = null;
        problem = $"coordinator address '{text}' ({source}) is not an http:// or https:// URL (or a comma-separated list of them), e.g. {Default}.";
        return false;
    }

    public override string ToString() => $"{string.Join(", ", Uris)} ({Source})";
}
