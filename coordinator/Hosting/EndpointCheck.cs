using System.Net;
using System.Net.Sockets;
using RenderFarm.Protos.Hosting;

namespace RenderFarm.Coordinator.Hosting;

/// <summary>
/// Before the host starts, tries each configured Kestrel endpoint's address: a port another program listens on is
/// reported as one line naming the endpoint (<see cref="SettingException"/>), rather than as a failed start whose
/// services log their stack traces while they stop.
/// </summary>
public static class EndpointCheck
{
    public static void EnsureFree(IConfiguration configuration)
    {
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            var url = endpoint["Url"];
            if (url is null || !Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri) || uri.Port <= 0)
            {
                continue;
            }

            var address = uri.IsLoopback ? IPAddress.Loopback : IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) ? ip : null;
            if (address is null) continue;
            try
            {
                using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                probe.Bind(new IPEndPoint(address, uri.Port));
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new SettingException($"Kestrel:Endpoints:{endpoint.Key}:Url", $"{url}: the port is already in use by another program (stop it or choose another port)");
            }
            catch (SocketException)
            {
                // Not an address of this machine, or not allowed: Kestrel reports it when it binds.
            }
        }
    }
}
