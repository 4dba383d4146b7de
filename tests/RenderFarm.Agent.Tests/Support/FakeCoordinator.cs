using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Tests.Support;

/// <summary>
/// A coordinator stand-in for one agent stream: welcomes the hello, grants every publish, forwards what the test queues in
/// <see cref="ToAgent"/>, records every message, and notes whether the agent ended the stream by closing its side.
/// </summary>
internal sealed class FakeCoordinator : AgentService.AgentServiceBase
{
    private readonly ConcurrentQueue<ConnectRequest> _received = new();

    public Channel<ConnectResponse> ToAgent { get; } = Channel.CreateUnbounded<ConnectResponse>();

    public IReadOnlyList<ConnectRequest> Received => [.. _received];

    /// <summary>True when the agent closed its side of the stream; false when the stream was torn down.</summary>
    public TaskCompletionSource<bool> StreamEnded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override async Task Connect(IAsyncStreamReader<ConnectRequest> requestStream, IServerStreamWriter<ConnectResponse> responseStream, ServerCallContext context)
    {
        using var forwarding = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        Task forwarder = Task.CompletedTask;
        try
        {
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                _received.Enqueue(requestStream.Current);
                if (requestStream.Current.MessageCase == ConnectRequest.MessageOneofCase.Hello)
                {
                    await responseStream.WriteAsync(new ConnectResponse { Welcome = new Welcome { AgentId = "agent-1", HeartbeatInterval = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) } });
                    forwarder = ForwardAsync(responseStream, forwarding.Token);
                }
                else if (requestStream.Current.MessageCase == ConnectRequest.MessageOneofCase.Publish)
                {
                    ToAgent.Writer.TryWrite(new ConnectResponse { PublishGrant = new PublishGrant { AttemptId = requestStream.Current.Publish.AttemptId, Granted = true } });
                }
            }

            StreamEnded.TrySetResult(true);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            StreamEnded.TrySetResult(false);
        }
        finally
        {
            await forwarding.CancelAsync();
            try
            {
                await forwarder;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task ForwardAsync(IServerStreamWriter<ConnectResponse> responseStream, CancellationToken cancellationToken)
    {
        await foreach (var message in ToAgent.Reader.ReadAllAsync(cancellationToken))
        {
            await responseStream.WriteAsync(message, cancellationToken);
        }
    }

    public async Task WaitForAsync(Func<IReadOnlyList<ConnectRequest>, bool> condition, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (!condition(Received))
        {
            try
            {
                await Task.Delay(20, cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"timed out; received: {string.Join(", ", Received.Select(m => m.MessageCase))}");
            }
        }
    }
}
