using Grpc.Net.Client;
using RenderFarm.Protos.Connection;
using RenderFarm.Protos.Transport;

namespace RenderFarm.Cli.Connection;

/// <summary>Opens gRPC channels to the coordinator. http:// addresses speak HTTP/2 without TLS (h2c); https:// ones are verified.</summary>
public static class ChannelFactory
{
    /// <summary>A down or firewalled coordinator fails fast instead of hanging the command.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public static GrpcChannel Create(Uri address) => Create([address], null);

    /// <summary>A channel that verifies an https coordinator against <paramref name="caFile"/> alone, when given.</summary>
    public static GrpcChannel Create(Uri address, string? caFile) => Create([address], caFile);

    /// <summary>
    /// A channel to the first of several coordinators (sharing one database) that answers; it moves on when one is
    /// down. With <paramref name="caFile"/>, https coordinators are verified against that CA alone.
    /// </summary>
    public static GrpcChannel Create(IReadOnlyList<Uri> addresses, string? caFile)
    {
        if (caFile is not null && addresses.FirstOrDefault(a => a.Scheme != Uri.UriSchemeHttps) is { } plain)
        {
            throw new ArgumentException($"a CA file ({caFile}) is set but the coordinator address {plain} is not https://");
        }

        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = ConnectTimeout,
            EnableMultipleHttp2Connections = true,
        };
        return CoordinatorChannel.Create(addresses, CoordinatorChannels.Verified(caFile, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true }));
    }
}
