using Grpc.Core;
using Grpc.Core.Interceptors;
using RenderFarm.Coordinator.Security;

namespace RenderFarm.Coordinator.Observability;

/// <summary>
/// Counts every gRPC call and its time, under the names an operator's dashboards for gRPC servers expect
/// (<c>grpc_server_started_total</c>, <c>grpc_server_handled_total</c> with the status code,
/// <c>grpc_server_handling_seconds</c>), labelled by service, method and type. It runs first, so calls the access
/// check refuses are counted too; a stream's time is its whole life. Only methods this coordinator serves get a label of
/// their own (a stranger's name cannot grow the series).
/// </summary>
public sealed class RpcMetricsInterceptor(FarmMetrics metrics, TimeProvider time) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var call = Start(context, "unary");
        try
        {
            var response = await continuation(request, context);
            End(call, context, null);
            return response;
        }
        catch (Exception ex)
        {
            End(call, context, ex);
            throw;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var call = Start(context, "client_stream");
        try
        {
            var response = await continuation(requestStream, context);
            End(call, context, null);
            return response;
        }
        catch (Exception ex)
        {
            End(call, context, ex);
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var call = Start(context, "server_stream");
        try
        {
            await continuation(request, responseStream, context);
            End(call, context, null);
        }
        catch (Exception ex)
        {
            End(call, context, ex);
            throw;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var call = Start(context, "bidi_stream");
        try
        {
            await continuation(requestStream, responseStream, context);
            End(call, context, null);
        }
        catch (Exception ex)
        {
            End(call, context, ex);
            throw;
        }
    }

    private (string Service, string Method, string Type, long Started) Start(ServerCallContext context, string type)
    {
        var (service, method) = Split(context.Method);
        metrics.RpcStarted.WithLabels(type, service, method).Inc();
        return (service, method, type, time.GetTimestamp());
    }

    private void End((string Service, string Method, string Type, long Started) call, ServerCallContext context, Exception? failure)
    {
        var code = failure switch
        {
            null => context.Status.StatusCode,
            RpcException rpc => rpc.StatusCode,
            OperationCanceledException => StatusCode.Cancelled,
            _ => StatusCode.Internal,
        };
        metrics.RpcHandled.WithLabels(call.Type, call.Service, call.Method, code.ToString()).Inc();
        metrics.RpcHandlingSeconds.WithLabels(call.Type, call.Service, call.Method).Observe(time.GetElapsedTime(call.Started).TotalSeconds);
    }

    /// <summary>"/renderfarm.v1.JobService/SubmitJob" as ("renderfarm.v1.JobService", "SubmitJob"); a method not served here as ("unknown", "unknown").</summary>
    private static (string Service, string Method) Split(string fullMethod)
    {
        var slash = fullMethod.LastIndexOf('/');
        return slash > 0 && MethodPolicy.For(fullMethod) is not null ? (fullMethod[1..slash], fullMethod[(slash + 1)..]) : ("unknown", "unknown");
    }
}
