using Grpc.Core;
using RenderFarm.Cli.App;

namespace RenderFarm.Cli.Connection;

/// <summary>Turns a failed call into one line a person can act on, and an exit code; never a stack trace.</summary>
internal static class RpcErrorReporter
{
    public static int Report(RpcException exception, CoordinatorAddress coordinator, TextWriter error)
    {
        var detail = string.IsNullOrWhiteSpace(exception.Status.Detail) ? "(no detail)" : exception.Status.Detail;
        error.WriteLine($"error: {exception.StatusCode}: {detail}");
        if (exception.StatusCode == StatusCode.Unauthenticated)
        {
            error.WriteLine($"farmctl sends the API key from ${ClientSettings.ApiKeyVariable} or the config file ({ClientSettings.ConfigVariable}, default ~/.config/renderfarm/farmctl.json, {{\"apiKey\": \"...\"}}).");
        }

        var text = exception.ToString();
        if (IsUntrustedCertificate(text))
        {
            error.WriteLine(
                $"The coordinator's TLS certificate is not trusted here: farmctl checks it against the studio CA. Give farmctl the CA file with " +
                $"${ClientSettings.CaFileVariable}=/path/to/studio-ca.pem (or \"caFile\" in the config file); see docs/security.md.");
            return ExitCodes.Unreachable;
        }

        if (IsTlsAnsweredToPlainHttp(text, coordinator))
        {
            error.WriteLine(
                $"The coordinator at {coordinator} did not answer plain HTTP/2 (http://). If it serves TLS, use https:// with the same host and port, " +
                $"in --coordinator or ${CoordinatorAddress.EnvironmentVariable}.");
            return ExitCodes.Unreachable;
        }

        if (exception.StatusCode != StatusCode.Unavailable)
        {
            return ExitCodes.Refused;
        }

        error.WriteLine(
            $"farmctl could not reach the coordinator at {coordinator}. Check that it is running, " +
            $"or point farmctl at it with --coordinator URL or ${CoordinatorAddress.EnvironmentVariable}.");
        return ExitCodes.Unreachable;
    }

    /// <summary>The TLS handshake failed on the certificate's chain (no studio CA: PartialChain or UntrustedRoot).</summary>
    private static bool IsUntrustedCertificate(string text) =>
        text.Contains("PartialChain", StringComparison.Ordinal) || text.Contains("UntrustedRoot", StringComparison.Ordinal)
        || text.Contains("RemoteCertificateChainErrors", StringComparison.Ordinal)
        || text.Contains("remote certificate is invalid", StringComparison.OrdinalIgnoreCase);

    /// <summary>A plain HTTP/2 call met something else on the port (a TLS endpoint answers the h2c preface with garbage or a close).</summary>
    private static bool IsTlsAnsweredToPlainHttp(string text, CoordinatorAddress coordinator) =>
        coordinator.Uris.All(u => u.Scheme == Uri.UriSchemeHttp)
        && (text.Contains("PROTOCOL_ERROR", StringComparison.Ordinal) || text.Contains("HTTP/2 handshake", StringComparison.Ordinal)
            || text.Contains("invalid data", StringComparison.OrdinalIgnoreCase) || text.Contains("response ended prematurely", StringComparison.OrdinalIgnoreCase));
}
