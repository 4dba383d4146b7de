using System.Diagnostics.CodeAnalysis;

namespace RenderFarm.Cli.Connection;

/// <summary>The coordinator farmctl talks to, and where that address came from (for error messages).</summary>
public sealed record CoordinatorAddress(Uri Uri, string Source)
{
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

        if (Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) &&
            (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            address = new CoordinatorAddress(uri, source);
            problem = null;
            return true;
        }

        address = null;
        problem = $"coordinator address '{text}' ({source}) is not an http:// or https:// URL, e.g. {Default}.";
        return false;
    }

    public override string ToString() => $"{Uri} ({Source})";
}
