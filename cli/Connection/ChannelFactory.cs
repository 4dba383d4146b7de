using Grpc.Net.Client;

namespace RenderFarm.Cli.Connection;

/// <summary>Opens gRPC channels to the coordinator. http:// addresses speak HTTP/2 without TLS (h2c).</summary>
public static class ChannelFactory
{
    /// <summary>A down or firewalled coordinator fails fast instead of hanging the command.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public static GrpcChannel Create(Uri address) => Create([address]);

    /// <summary>A channel to the first of several coordinators (sharing one database) that answers; it moves on when one is down.</summary>
    public static GrpcChannel Create(IReadOnlyList<Uri> addresses) =>
        RenderFarm.Protos.Connection.CoordinatorChannel.Create(addresses, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = ConnectTimeout,
                EnableMultipleHttp2Connections = true,
            },
            DisposeHttpClient = true,
        });
}
