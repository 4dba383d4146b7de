using Grpc.Core;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Hosting;
using System.Text.RegularExpressions;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// Runs one agent's stream: hello, reconciliation of what it still runs, then every report fenced by its
/// attempt id. One writer drains the session's outbox, so stream writes never overlap.
/// </summary>
public sealed partial class AgentConnection(
    AgentRegistry agents,
    AttemptLifecycle attempts,
    AttemptLogs logs,
    AgentDrains drains,
    AgentSchedules schedules,
    WorkSignals signals,
    IOptions<CoordinatorOptions> options,
    TimeProvider time,
    ILogger<AgentConnection> logger)
{
    public const int MaxSlots = 64;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex AgentName();

    /// <param name="enrolledName">The name the agent's credential was issued to; its hello must use it (null only without access control, in tests).</param>
    public async Task RunAsync(IAsyncStreamReader<ConnectRequest> requests, IServerStreamWriter<ConnectResponse> responses, string? enrolledName, CancellationToken cancellationToken)
    {
        if (!await requests.MoveNext(cancellationToken))
        {
            return;
        }

        var hello = requests.Current.Hello ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, "the first message on the stream must be a hello"));
        Validate(hello);
        if (enrolledName is not null && hello.Name != enrolledName)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"hello.name: this credential belongs to agent '{enrolledName}', not '{hello.Name}'; enroll each agent under its own name"));
        }

        var session = new AgentSession(hello, time.GetUtcNow());
        // Before the dispatcher can see it: an agent that does not yet follow its operator's schedule gets no work.
        await schedules.LoadOnJoinAsync(session, cancellationToken);
        agents.Add(session);
        Log.AgentJoined(logger, session.Id, hello.Slots, hello.FfmpegVersion);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, session.Closed);
        var writer = WriteOutboxAsync(session, responses, linked.Token);
        try
        {
            session.Send(new ConnectResponse
            {
                Welcome = new Welcome
                {
                    AgentId = session.Id,
                    HeartbeatInterval = Duration.FromTimeSpan(options.Value.HeartbeatInterval),
                    LeaseDuration = Duration.FromTimeSpan(options.Value.LeaseDuration),
                },
            });
            await drains.ApplyOnJoinAsync(session, linked.Token);
            AgentSchedules.SendOnJoin(session);
            await ReconcileAsync(session, hello, linked.Token);

            while (await requests.MoveNext(linked.Token))
            {
                var now = time.GetUtcNow();
                session.LastSeen = now;
                if (requests.Current.MessageCase == ConnectRequest.MessageOneofCase.Heartbeat)
                {
                    var wasUnreachable = session.IsUnreachable(now, options.Value.AgentSilenceLimit);
                    session.LastHeartbeat = now;
                    if (wasUnreachable) signals.WorkAvailable();
                }
                await HandleAsync(session, requests.Current, linked.Token);
            }
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // The agent left or a newer connection replaced this one.
        }
        catch (IOException)
        {
            // The transport dropped; the agent reconnects and its leases carry on until they expire.
        }
        finally
        {
            agents.Remove(session);
            session.Close();
            await writer;
            Log.AgentLeft(logger, session.Id);
        }
    }

    private static void Validate(AgentHello hello)
    {
        if (!AgentName().IsMatch(hello.Name))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "hello.name: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"));
        }

        if (hello.Slots is 0 or > MaxSlots)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"hello.slots: {hello.Slots} is outside 1..{MaxSlots}"));
        }
    }

    /// <summary>
    /// Keeps the leases the agent still holds (running, or ended with a final report on its way), drops what
    /// it no longer owns, and frees what it forgot. Every attempt the hello lists as running holds a slot from the
    /// start (the session is made that way), the dropped ones too, until the agent says it stopped them.
    /// </summary>
    private async Task ReconcileAsync(AgentSession session, AgentHello hello, CancellationToken cancellationToken)
    {
        var running = hello.RunningAttemptIds;
        var stale = await attempts.RenewLeasesAsync(session.Id, running, cancellationToken);
        await attempts.RenewLeasesAsync(session.Id, hello.ReportingAttemptIds, cancellationToken);
        foreach (var id in stale)
        {
            session.Stopping(id);
            session.Send(Drop(id, "this attempt is no longer yours"));
        }

        var kept = running.Except(stale).Concat(hello.ReportingAttemptIds).ToHashSet();
        await attempts.ExpireAsync(a => a.AgentId == session.Id && !kept.Contains(a.Id), "the agent reconnected without it", cancellationToken);
        signals.WorkAvailable();
    }

    private async Task HandleAsync(AgentSession session, ConnectRequest request, CancellationToken cancellationToken)
    {
        switch (request.MessageCase)
        {
            case ConnectRequest.MessageOneofCase.Slots:
                if (request.Slots.AttemptId.Length > 0) session.RemoveRunning(request.Slots.AttemptId);
                else session.SlotsFreed(request.Slots.FreedSlots);
                signals.WorkAvailable();
                break;
            case ConnectRequest.MessageOneofCase.Heartbeat:
                session.LoadAverage = request.Heartbeat.LoadAverage;
                foreach (var id in await attempts.RenewLeasesAsync(session.Id, request.Heartbeat.RunningAttemptIds, cancellationToken))
                {
                    session.Stopping(id);
                    session.Send(Drop(id, "the lease on this attempt has ended"));
                }

                break;
            case ConnectRequest.MessageOneofCase.Progress:
                if (await attempts.ReportProgressAsync(session.Id, request.Progress, cancellationToken) == Fence.Stale)
                {
                    session.Stopping(request.Progress.AttemptId);
                    session.Send(Drop(request.Progress.AttemptId, "the lease on this attempt has ended"));
                }

                break;
            case ConnectRequest.MessageOneofCase.Completed:
                session.RemoveRunning(request.Completed.AttemptId);
                if (await attempts.CompleteAsync(session.Id, request.Completed, cancellationToken) == Fence.Stale)
                {
                    Refused(session, request.Completed.AttemptId);
                }

                break;
            case ConnectRequest.MessageOneofCase.Failed:
                session.RemoveRunning(request.Failed.AttemptId);
                if (await attempts.FailAsync(session.Id, request.Failed, cancellationToken) == Fence.Stale)
                {
                    Refused(session, request.Failed.AttemptId);
                }

                break;
            case ConnectRequest.MessageOneofCase.Publish:
                session.Send(new ConnectResponse { PublishGrant = await attempts.GrantPublishAsync(session.Id, request.Publish.AttemptId, request.Publish.Output, cancellationToken) });
                break;
            case ConnectRequest.MessageOneofCase.Log:
                await logs.AppendAsync(session.Id, request.Log, cancellationToken);
                break;
            case ConnectRequest.MessageOneofCase.Draining:
                drains.AgentShuttingDown(session, request.Draining.Reason);
                Log.AgentDraining(logger, session.Id, session.DrainReason);
                break;
            case ConnectRequest.MessageOneofCase.Availability:
                var wasAway = session.Away;
                var cap = session.SlotCap;
                session.Availability = request.Availability;
                if (session.Away != wasAway) Log.AgentAway(logger, session.Id, session.Away ? session.AwayReason : "takes work again");
                agents.NotifyChanged(session.Id);
                if (!session.Away && (wasAway || session.SlotCap > cap)) signals.WorkAvailable();
                break;
            case ConnectRequest.MessageOneofCase.Hello:
                throw new RpcException(new Status(StatusCode.FailedPrecondition, "hello may only be sent once per stream"));
            default:
                throw new RpcException(new Status(StatusCode.InvalidArgument, "empty message: set one of slots, heartbeat, progress, completed, failed, log, draining, publish, availability"));
        }
    }

    /// <summary>A final report under an attempt that is not the agent's live lease: the drop tells the agent to forget it, so it is not sent again.</summary>
    private void Refused(AgentSession session, string attemptId)
    {
        Log.StaleReport(logger, session.Id, attemptId);
        session.Send(Drop(attemptId, "the coordinator refused this attempt's report: it is not this agent's live attempt"));
    }

    private static ConnectResponse Drop(string attemptId, string reason) =>
        new() { Drop = new DropAttempt { AttemptId = attemptId, Reason = reason } };

    private static async Task WriteOutboxAsync(AgentSession session, IServerStreamWriter<ConnectResponse> responses, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in session.Outbox.ReadAllAsync(cancellationToken))
            {
                await responses.WriteAsync(message, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The stream ended; the reader side notices and cleans up.
        }
    }
}
