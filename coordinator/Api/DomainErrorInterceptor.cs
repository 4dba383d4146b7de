using Grpc.Core;
using Grpc.Core.Interceptors;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Security;

namespace RenderFarm.Coordinator.Api;

/// <summary>
/// Turns domain exceptions into gRPC statuses with messages people can act on. Anything unexpected is
/// logged and leaves as Internal without a stack trace.
/// </summary>
public sealed partial class DomainErrorInterceptor(ILogger<DomainErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (Map(ex, context) is { } rpc)
        {
            throw rpc;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            ClientLeft(context);
        }
        catch (Exception ex) when (Map(ex, context) is { } rpc)
        {
            throw rpc;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            ClientLeft(context);
        }
        catch (Exception ex) when (Map(ex, context) is { } rpc)
        {
            throw rpc;
        }
    }

    /// <summary>
    /// A client that leaves a stream (farmctl top --once, a watch ended with Ctrl-C) is normal: the stream ends quietly
    /// instead of leaving the handler with an exception, which gRPC logs with its stack trace.
    /// </summary>
    private void ClientLeft(ServerCallContext context) => LogClientLeft(logger, context.Method);

    private RpcException? Map(Exception exception, ServerCallContext context) => exception switch
    {
        RpcException => null,
        OperationCanceledException when context.CancellationToken.IsCancellationRequested => null,
        JobValidationException v => new RpcException(new Status(StatusCode.InvalidArgument, v.Message)),
        JobNotFoundException n => new RpcException(new Status(StatusCode.NotFound, n.Message)),
        NotFoundException n => new RpcException(new Status(StatusCode.NotFound, n.Message)),
        AccessDeniedException a => a.ToRpc(),
        JobStateConflictException c => new RpcException(new Status(StatusCode.FailedPrecondition, c.Message)),
        Thumbnails.ThumbnailFailedException t => new RpcException(new Status(StatusCode.FailedPrecondition, t.Message)),
        // A link changed into a loop after the path was checked (the check itself refuses loops with the field's name).
        Protos.Media.LinkLoopException l => new RpcException(new Status(StatusCode.InvalidArgument, l.Message)),
        _ => Internal(exception, context),
    };

    private RpcException Internal(Exception exception, ServerCallContext context)
    {
        LogUnhandled(logger, exception, context.Method);
        return new RpcException(new Status(StatusCode.Internal, "the coordinator hit an internal error; it is logged on the coordinator"));
    }

    [LoggerMessage(31, LogLevel.Debug, "The client left its {Method} stream")]
    private static partial void LogClientLeft(ILogger logger, string method);

    [LoggerMessage(30, LogLevel.Error, "Unhandled error in {Method}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method);
}
