using Grpc.Core;
using Microsoft.Extensions.Options;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Hosting;
using RenderFarm.Agent.Media;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Link;

/// <summary>
/// One Connect stream: hello (with the attempts still running), then assignments, cancels and drops from
/// the coordinator, while a single writer sends heartbeats and reports from the outbox.
/// </summary>
public sealed class LinkSession(
    AttemptRunner runner,
    AgentOutbox outbox,
    FfmpegCapabilities capabilities,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<LinkSession> logger)
{
    /// <summary>Set when the coordinator welcomed this agent; tests and the drain logic read it.</summary>
    public string? AgentId { get; private set; }

    public async Task RunAsync(AgentService.AgentServiceClient client, CancellationToken cancellationToken)
    {
        using var call = client.Connect(cancellationToken: cancellationToken);
        using var streamEnded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var o = options.Value;
        var hello = new AgentHello
        {
            Name = o.Name,
            Cores = (uint)Environment.ProcessorCount,
            MemoryBytes = (ulong)GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
            FfmpegVersion = capabilities.Version,
            Slots = (uint)o.Slots,
            AgentVersion = typeof(LinkSession).Assembly.GetName().Version?.ToString() ?? "",
        };
        hello.Encoders.AddRange(capabilities.Encoders);
        hello.Filters.AddRange(capabilities.Filters);
        hello.Tags.AddRange(o.Tags);
        hello.MediaRoots.AddRange(runner.MediaRootNames);
        hello.RunningAttemptIds.AddRange(runner.RunningAttemptIds);
        await call.RequestStream.WriteAsync(new ConnectRequest { Hello = hello }, cancellationToken);

        var reports = outbox.Connect();
        var heartbeat = TimeSpan.FromSeconds(5);
        var writer = Task.Run(async () =>
        {
            await foreach (var message in reports.ReadAllAsync(streamEnded.Token))
            {
                await call.RequestStream.WriteAsync(message, streamEnded.Token);
            }
        }, streamEnded.Token);
        Task? beats = null;
        try
        {
            await foreach (var message in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                switch (message.MessageCase)
                {
                    case ConnectResponse.MessageOneofCase.Welcome:
                        AgentId = message.Welcome.AgentId;
                        heartbeat = message.Welcome.HeartbeatInterval?.ToTimeSpan() is { TotalMilliseconds: > 0 } h ? h : heartbeat;
                        beats ??= HeartbeatAsync(heartbeat, streamEnded.Token);
                        Log.Connected(logger, o.Coordinator, AgentId);
                        break;
                    case ConnectResponse.MessageOneofCase.Assignment:
                        runner.Start(message.Assignment);
                        break;
                    case ConnectResponse.MessageOneofCase.Cancel:
                        runner.Stop(message.Cancel.AttemptId, "the job was canceled");
                        break;
                    case ConnectResponse.MessageOneofCase.Drop:
                        runner.Stop(message.Drop.AttemptId, message.Drop.Reason);
                        break;
                }
            }
        }
        finally
        {
            outbox.Disconnect();
            await streamEnded.CancelAsync();
            await Quietly(writer);
            if (beats is not null) await Quietly(beats);
        }
    }

    private async Task HeartbeatAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var beat = new Heartbeat { LoadAverage = LoadAverage.Read() };
            beat.RunningAttemptIds.AddRange(runner.RunningAttemptIds);
            outbox.Post(new ConnectRequest { Heartbeat = beat });
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException or IOException or InvalidOperationException)
        {
            // The stream is gone; the link reconnects.
        }
    }
}
