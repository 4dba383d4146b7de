using Grpc.Core;
using Microsoft.Extensions.Logging;
using RenderFarm.Coordinator.Api;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Api;

public sealed class DomainErrorInterceptorTests
{
    [Fact]
    public async Task ServerStreaming_ClientLeaves_EndsQuietlyWithoutAnErrorOrInformationLog()
    {
        var logs = new RecordingLogger();
        var interceptor = new DomainErrorInterceptor(logs);
        using var left = new CancellationTokenSource();
        await left.CancelAsync();
        var context = new TestCallContext("/renderfarm.v1.FarmService/WatchFarm", "ipv4:127.0.0.1:5000", []) { Token = left.Token };

        await interceptor.ServerStreamingServerHandler<WatchFarmRequest, FarmEvent>(new WatchFarmRequest(), null!, context,
            (_, _, ctx) => Task.FromException(new OperationCanceledException(ctx.CancellationToken)));

        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Information);
    }

    [Fact]
    public async Task ServerStreaming_CanceledWhileTheClientStays_IsAnInternalError()
    {
        var logs = new RecordingLogger();
        var interceptor = new DomainErrorInterceptor(logs);
        var context = new TestCallContext("/renderfarm.v1.FarmService/WatchFarm", "ipv4:127.0.0.1:5000", []);

        var error = await Assert.ThrowsAsync<RpcException>(() => interceptor.ServerStreamingServerHandler<WatchFarmRequest, FarmEvent>(new WatchFarmRequest(), null!, context,
            (_, _, _) => Task.FromException(new OperationCanceledException())));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Error);
    }

    private sealed class RecordingLogger : ILogger<DomainErrorInterceptor>
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }
}
