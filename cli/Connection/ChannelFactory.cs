using Grpc.Net.Client;
using RenderFarm.Protos.Transport;

namespace RenderFarm.Cli.Connection;

/// <summary>Opens gRPC channels to the coordinator. http:// addresses speak HTTP/2 without TLS (h2c); https:// ones are verified.</summary>
public static class ChannelFactory
{
    /// <summary>A down or firewalled coordinator fails fast instead of hanging the command.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public static GrpcChannel Create(Uri address) => Create(address, null);

    /// <summary>A channel that verifies an https coordinator against <paramref name="caFile"/> alone, when given.</summary>
    public static GrpcChannel Create(Uri address, string? caFile)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = ConnectTimeout,
            EnableMultipleHttp2Connections = true,
        };
        if (caFile is not null)
        {
            if (address.Scheme != Uri.UriSchemeHttps) throw new ArgumentException($"a CA file ({caFile}) is set but the coordinator address {address} is not https://");
            handler.SslOptions.RemoteCertificateValidationCallback = CoordinatorChannels.TrustOnly(CoordinatorChannels.LoadCa(caFile));
        }

        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }
}
