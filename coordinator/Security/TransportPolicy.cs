using System.Net;

namespace RenderFarm.Coordinator.Security;

/// <summary>
/// Plain HTTP/2 (h2c) only on loopback: an endpoint on any other address must use https (a Kestrel certificate),
/// unless <see cref="SecurityOptions.AllowInsecureNetwork"/> says otherwise, which is logged loudly.
/// </summary>
public static class TransportPolicy
{
    /// <summary>The configured plain-http URLs that listen beyond this machine.</summary>
    public static IReadOnlyList<string> ExposedPlainUrls(IConfiguration configuration)
    {
        var urls = configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"])
            .Concat((configuration["urls"] ?? configuration["ASPNETCORE_URLS"] ?? "").Split(';'))
            .Where(u => !string.IsNullOrWhiteSpace(u))
            .Select(u => u!.Trim());
        return urls.Where(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !IsLoopback(u)).ToList();
    }

    /// <summary>Throws when plain endpoints listen beyond loopback without the opt-in; returns them when opted in.</summary>
    public static IReadOnlyList<string> Check(IConfiguration configuration, SecurityOptions options)
    {
        var exposed = ExposedPlainUrls(configuration);
        if (exposed.Count > 0 && !options.AllowInsecureNetwork)
        {
            throw new InvalidOperationException(
                $"Refusing to listen without TLS on {string.Join(", ", exposed)}: API keys and agent credentials would cross the network readable. " +
                "Use https with a certificate (Kestrel:Endpoints:Grpc:Url=https://..., Kestrel:Endpoints:Grpc:Certificate:Path=cert.pem, ...:KeyPath=key.pem), " +
                "listen on 127.0.0.1 only, or set Coordinator:Security:AllowInsecureNetwork=true on a network you trust.");
        }

        return exposed;
    }

    private static bool IsLoopback(string url)
    {
        var host = url["http://".Length..].Split('/')[0];
        host = host.StartsWith('[') ? host[1..host.IndexOf(']')] : host.Split(':')[0];
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }
}
