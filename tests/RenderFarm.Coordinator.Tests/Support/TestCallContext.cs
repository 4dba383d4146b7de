using Grpc.Core;

namespace RenderFarm.Coordinator.Tests.Support;

/// <summary>A server call as an interceptor sees it: a method, a peer address and request headers; nothing is sent anywhere.</summary>
public sealed class TestCallContext(string method, string peer, Metadata headers) : ServerCallContext
{
    private readonly Dictionary<object, object> _userState = [];

    protected override string MethodCore => method;

    protected override string HostCore => "localhost";

    protected override string PeerCore => peer;

    protected override DateTime DeadlineCore => DateTime.MaxValue;

    protected override Metadata RequestHeadersCore => headers;

    /// <summary>The call's token: cancel it to play a client that leaves.</summary>
    public CancellationToken Token { get; init; }

    protected override CancellationToken CancellationTokenCore => Token;

    protected override Metadata ResponseTrailersCore { get; } = [];

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore => new(null, []);

    protected override IDictionary<object, object> UserStateCore => _userState;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
