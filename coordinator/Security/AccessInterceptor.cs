using Grpc.Core;
using Grpc.Core.Interceptors;

namespace RenderFarm.Coordinator.Security;

/// <summary>
/// Every call passes here first: who is calling (<see cref="Authenticator"/>), may they call this method
/// (<see cref="MethodPolicy"/>), and are they within their limits (<see cref="CallerLimits"/>). Refusals leave
/// as Unauthenticated, PermissionDenied or ResourceExhausted with a message that says what to do. Calls with a wrong
/// credential count against the calling address's budget (<see cref="CallerLimits.PeerPartition"/>).
/// </summary>
public sealed partial class AccessInterceptor(Authenticator authenticator, CallerLimits limits, ILogger<AccessInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AdmitAsync(context);
        return await continuation(request, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var stream = await AdmitStreamAsync(context);
        return await continuation(requestStream, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var stream = await AdmitStreamAsync(context);
        await continuation(request, responseStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var stream = await AdmitStreamAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    private async Task<IDisposable?> AdmitStreamAsync(ServerCallContext context)
    {
        var partition = await AdmitAsync(context);
        if (partition is null) return null;
        return limits.TryOpenStream(partition, out var refusal) ?? throw Refuse(context, StatusCode.ResourceExhausted, refusal!);
    }

    /// <summary>Admits the call or throws; returns the caller's limit partition (null for health checks).</summary>
    private async Task<string?> AdmitAsync(ServerCallContext context)
    {
        var need = MethodPolicy.For(context.Method)
            ?? throw Refuse(context, StatusCode.PermissionDenied, $"{context.Method} is not a method this coordinator serves to anyone");

        if (need == MethodPolicy.Need.Nobody)
        {
            if (context.Method.StartsWith("/grpc.health.", StringComparison.Ordinal)) return null;
            var anonymous = CallerLimits.PeerPartition(context.Peer);
            return limits.TryRequest(anonymous) ? anonymous : throw Refuse(context, StatusCode.ResourceExhausted, limits.RequestRefusal);
        }

        // A wrong credential costs the calling address one request, as an enrollment guess does; once the address has
        // spent its budget its wrong credentials get ResourceExhausted, and it may not try the bootstrap key (the one
        // secret a person chooses) until the budget refills. Valid keys and agent credentials are served as before.
        var peer = CallerLimits.PeerPartition(context.Peer);
        Caller? caller;
        try
        {
            caller = await authenticator.AuthenticateAsync(context.RequestHeaders, acceptBootstrap: limits.CanRequest(peer), context.CancellationToken);
        }
        catch (AccessDeniedException denied)
        {
            if (!limits.TryRequest(peer)) throw Refuse(context, StatusCode.ResourceExhausted, limits.CredentialRefusal);
            throw Refuse(context, denied.Status, denied.Message);
        }

        if (caller is null)
        {
            throw Refuse(context, StatusCode.Unauthenticated, need == MethodPolicy.Need.Agent
                ? "this agent has no credential: give it the farm's enrollment token (Agent:EnrollmentToken) so it can enroll"
                : "no API key: send 'authorization: Bearer <key>' (farmctl reads RENDERFARM_API_KEY or its config file); an operator issues keys with farmctl keys create");
        }

        if (MethodPolicy.Refusal(need, caller) is { } refusal) throw Refuse(context, StatusCode.PermissionDenied, refusal);
        var partition = (caller.IsAgent ? "agent:" : "key:") + caller.Name;
        if (!limits.TryRequest(partition)) throw Refuse(context, StatusCode.ResourceExhausted, limits.RequestRefusal);
        caller.AttachTo(context);
        return partition;
    }

    private RpcException Refuse(ServerCallContext context, StatusCode status, string message)
    {
        if (status != StatusCode.ResourceExhausted) LogRefused(logger, context.Method, context.Peer, status, message);
        return new RpcException(new Status(status, message));
    }

    [LoggerMessage(610, LogLevel.Information, "Refused {Method} from {Peer}: {Status} {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, string peer, StatusCode status, string reason);
}
