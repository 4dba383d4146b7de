using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Cluster;

/// <summary>
/// Writes this coordinator's agents to the shared database: at once (at most every 200 ms) when one joins, leaves or
/// is drained, every <see cref="ClusterOptions.PresenceInterval"/> for the ones whose description changed, and all of
/// them every <see cref="ClusterOptions.PresenceRefresh"/>; with each pass a heartbeat that says this coordinator is
/// alive. When it stops, its agents are marked disconnected.
/// </summary>
public sealed partial class AgentPresencePublisher(
    AgentRegistry agents,
    AgentPresenceStore presence,
    ClusterChannel channel,
    AgentDrains drains,
    AgentSchedules schedules,
    IOptions<ClusterOptions> options,
    TimeProvider time,
    ILogger<AgentPresencePublisher> logger) : BackgroundService
{
    private static readonly TimeSpan MinGap = TimeSpan.FromMilliseconds(200);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Dictionary<string, (ByteString Key, bool Connected)> _written = new(StringComparer.Ordinal);
    private DateTimeOffset _lastRefresh = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        agents.Changed += OnChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await PublishAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _written.Clear();
                    Log.PublishFailed(logger, ex.Message);
                }

                await WaitAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            agents.Changed -= OnChanged;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await presence.LeaveAsync(channel.Origin, time.GetUtcNow(), cancellationToken);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or OperationCanceledException or IOException)
        {
            Log.PublishFailed(logger, ex.Message);
        }
    }

    private void OnChanged(string agentId) => _wake.Writer.TryWrite(true);

    /// <summary>Writes every agent whose row would differ from the last one written (all of them at a refresh), then the heartbeat.</summary>
    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var refresh = now - _lastRefresh >= options.Value.PresenceRefresh;
        if (refresh)
        {
            await drains.ReconcileAsync(cancellationToken);
            await schedules.ReconcileAsync(cancellationToken);
        }
        var rows = new List<AgentPresenceStore.Row>();
        var written = new List<(string Id, ByteString Key, bool Connected)>();
        foreach (var (session, connected) in agents.Connected.Select(s => (s, true)).Concat(agents.Departed.Select(s => (s, false))))
        {
            var info = Describe(session, connected);
            var key = CompareKey(info);
            if (!refresh && _written.TryGetValue(session.Id, out var last) && last.Connected == connected && last.Key == key) continue;
            if (!connected && !refresh && !_written.ContainsKey(session.Id)) continue; // departed before this coordinator wrote it
            rows.Add(new AgentPresenceStore.Row(session.Id, channel.Origin, connected, session.ConnectTime, now, info.ToByteString().ToBase64()));
            written.Add((session.Id, key, connected));
        }

        await presence.WriteAsync(rows, cancellationToken);
        await presence.HeartbeatAsync(channel.Origin, now, cancellationToken);
        foreach (var (id, key, connected) in written) _written[id] = (key, connected);
        if (refresh) _lastRefresh = now;
    }

    /// <summary>
    /// The agent as this coordinator knows it, without the operator's drain (the stored drain is read where the agent
    /// is listed) and with running attempts by id.
    /// </summary>
    private static AgentInfo Describe(AgentSession session, bool connected)
    {
        var info = FarmStatus.ToInfo(session, connected, EmptyAttempts);
        info.Draining = session.ShutdownReason is not null;
        info.DrainReason = session.ShutdownReason ?? "";
        return info;
    }

    /// <summary>
    /// What counts as a change: the agent's own description (name, slots, capabilities, versions, its drain), not its
    /// running work, free slots or busy/idle state, which the other coordinators read from the attempts table
    /// (<see cref="RemoteAgentView"/>); a busy farm would otherwise rewrite every agent's row at every pass. Nor the
    /// last-seen time and the load, which a refresh brings up to date.
    /// </summary>
    private static ByteString CompareKey(AgentInfo info)
    {
        var key = info.Clone();
        key.LastSeenTime = null;
        key.LoadAverage = 0;
        key.RunningAttemptIds.Clear();
        key.Running.Clear();
        key.FreeSlots = 0;
        key.State = AgentState.Unspecified;
        return key.ToByteString();
    }

    private static readonly IReadOnlyDictionary<string, RunningAttempt> EmptyAttempts = new Dictionary<string, RunningAttempt>();

    private async Task WaitAsync(CancellationToken stoppingToken)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var timer = Task.Delay(options.Value.PresenceInterval, time, wake.Token);
        var changed = _wake.Reader.WaitToReadAsync(wake.Token).AsTask();
        await Task.WhenAny(timer, changed);
        await wake.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
        _wake.Reader.TryRead(out _);
        await Task.Delay(MinGap, time, stoppingToken);
    }

    private static partial class Log
    {
        [LoggerMessage(121, LogLevel.Warning, "Could not write agent presence ({Reason}); trying again")]
        public static partial void PublishFailed(ILogger logger, string reason);
    }
}
