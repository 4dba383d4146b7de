using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Net.Client;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Security;

/// <summary>
/// A real coordinator process on loopback, called from two source addresses (127.0.0.2 floods wrong keys, 127.0.0.1
/// is a neighbour): the flooding address is throttled, the neighbour is not, and the flood's own address cannot try
/// the bootstrap key meanwhile.
/// </summary>
public sealed class InvalidCredentialPeerTests
{
    [Fact]
    public async Task WrongKeysFromOneAddress_ThrottleThatAddressOnly()
    {
        await using var coordinator = await CoordinatorProcess.StartAsync("--Coordinator:Security:RequestsPerSecond=1", "--Coordinator:Security:RequestBurst=20");
        using var flooder = From(coordinator.GrpcAddress, IPAddress.Parse("127.0.0.2"));
        using var neighbour = From(coordinator.GrpcAddress, IPAddress.Loopback);
        var flood = new FarmService.FarmServiceClient(flooder);

        var counts = new Dictionary<StatusCode, int>();
        for (var i = 0; i < 500; i++)
        {
            var key = "rfk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            var refused = await Assert.ThrowsAsync<RpcException>(() => flood.GetQueueStatsAsync(new GetQueueStatsRequest(), FarmCredentials.Headers(key)).ResponseAsync);
            counts[refused.StatusCode] = counts.GetValueOrDefault(refused.StatusCode) + 1;
        }

        Assert.True(counts.GetValueOrDefault(StatusCode.ResourceExhausted) >= 400, string.Join(", ", counts));
        var exhausted = await Assert.ThrowsAsync<RpcException>(() => flood.GetQueueStatsAsync(new GetQueueStatsRequest(), FarmCredentials.Headers(coordinator.Credentials.OperatorKey)).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, exhausted.StatusCode);
        Assert.Contains("wrong or revoked credential from this address", exhausted.Status.Detail);

        var calm = new FarmService.FarmServiceClient(neighbour);
        var wrong = await Assert.ThrowsAsync<RpcException>(() => calm.GetQueueStatsAsync(new GetQueueStatsRequest(), FarmCredentials.Headers("rfk_wrong")).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.NotNull(await calm.GetQueueStatsAsync(new GetQueueStatsRequest(), FarmCredentials.Headers(coordinator.Credentials.OperatorKey)));
    }

    /// <summary>A plain-h2c channel whose connections leave from <paramref name="source"/>.</summary>
    private static GrpcChannel From(string address, IPAddress source) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        },
    });
}
