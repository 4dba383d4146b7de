using Grpc.Core;
using Microsoft.Extensions.Options;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Hosting;
using RenderFarm.Agent.Media;
using RenderFarm.Agent.Transfer;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Link;

/// <summary>
/// One Connect stream: hello (with the attempts still running; then the drain notice when the agent drains),
/// then assignments, cancels, drops, drain states and operators' schedules from the coordinator, while a single writer sends
/// heartbeats, logs and reports from the outbox. When the outbox closes, the writer sends what is queued and
/// closes its side of the stream, and the stream ends when the coordinator has read it all.
/// </summary>
public sealed class LinkSession(
    AttemptRunner runner,
    AgentOutbox outbox,
    PublishPermits permits,
    AgentCredential credential,
    FfmpegCapabilities capabilities,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<LinkSession> logger,
    BlobCache? cache = null,
    Guest.GuestGuard? guest = null)
{
    /// <summary>Set when the coordinator welcomed this agent; tests and the drain logic read it.</summary>
    public string? AgentId { get; private set; }

    /// <summary>When the coordinator welcomed the current (or last) stream; null while it has not.</summary>
    public DateTimeOffset? WelcomedAt { get; private set; }

    /// <summary>Whether an operator drained this agent, as the coordinator last said on the current stream (not drained until it says).</summary>
    public DrainState OperatorDrain { get; private set; } = new();

    public async Task RunAsync(AgentService.AgentServiceClient client, CancellationToken cancellationToken)
    {
        WelcomedAt = null;
        using var call = client.Connect(await credential.HeadersAsync(cancellationToken), cancellationToken: cancellationToken);
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
        hello.Pools.AddRange(o.Pools);
        hello.MediaRoots.AddRange(runner.MediaRootNames);
        hello.StorageMode = cache is null ? StorageMode.Shared : StorageMode.Transfer;
        if (cache is not null) hello.CachedBlobs.AddRange(cache.Hashes);
        hello.RunningAttemptIds.AddRange(runner.RunningAttemptIds);
        hello.ReportingAttemptIds.AddRange(outbox.PendingFinalAttemptIds.Except(hello.RunningAttemptIds));
        hello.Availability = guest?.Current;
        OperatorDrain = new DrainState();
        await call.RequestStream.WriteAsync(new ConnectRequest { Hello = hello }, cancellationToken);

        var reports = outbox.Connect();
        if (runner.DrainReason is { } reason)
        {
            await call.RequestStream.WriteAsync(new ConnectRequest { Draining = new AgentDraining { Reason = reason } }, cancellationToken);
        }

        var heartbeat = TimeSpan.FromSeconds(5);
        var writer = Task.Run(async () =>
        {
            await foreach (var message in reports.ReadAllAsync(streamEnded.Token))
            {
                await call.RequestStream.WriteAsync(message, streamEnded.Token);
            }

            if (outbox.IsClosed) await call.RequestStream.CompleteAsync();
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
                        WelcomedAt = time.GetUtcNow();
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
                        // Not this agent's any more: stop it if it runs, and never send its final report again.
                        runner.Stop(message.Drop.AttemptId, message.Drop.Reason);
                        outbox.Forget(message.Drop.AttemptId);
                        break;
                    case ConnectResponse.MessageOneofCase.PublishGrant:
                        permits.Answer(message.PublishGrant);
                        break;
                    case ConnectResponse.MessageOneofCase.Drain:
                        OperatorDrain = message.Drain;
                        Log.OperatorDrain(logger, message.Drain.Draining, message.Drain.Reason);
                        break;
                    case ConnectResponse.MessageOneofCase.OperatorSchedule:
                        guest?.FollowOperatorSchedule(message.OperatorSchedule);
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
