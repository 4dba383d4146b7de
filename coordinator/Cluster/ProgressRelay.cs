using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Jobs;

namespace RenderFarm.Coordinator.Cluster;

/// <summary>
/// Passes live progress between coordinators: what this coordinator's agents report is sent to the others every
/// <see cref="ClusterOptions.ProgressInterval"/> (the latest per task, one batch), and what the others send is kept
/// as if reported here, so GetJob, WatchJob, WatchFarm and stall timeouts see it on every coordinator. It also applies
/// drains and operators' schedules other coordinators stored for agents connected here. Progress heard from elsewhere is forgotten after
/// <see cref="RemoteLifetime"/> without news (its task ended there).
/// </summary>
public sealed partial class ProgressRelay(
    LiveProgress progress,
    JobEvents events,
    ClusterChannel channel,
    AgentDrains drains,
    AgentSchedules schedules,
    IOptions<ClusterOptions> options,
    TimeProvider time,
    ILogger<ProgressRelay> logger) : BackgroundService
{
    public static readonly TimeSpan RemoteLifetime = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, TaskProgressNote> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LiveProgress.Snapshot> _remote = new(StringComparer.Ordinal);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        progress.Reported += OnReported;
        channel.ProgressReceived += OnReceived;
        channel.DrainChanged += OnDrainChanged;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        progress.Reported -= OnReported;
        channel.ProgressReceived -= OnReceived;
        channel.DrainChanged -= OnDrainChanged;
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ProgressInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await SendAsync(stoppingToken);
                ForgetOld();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void OnReported(string jobId, string taskId, LiveProgress.Snapshot s) =>
        _pending[taskId] = new TaskProgressNote(jobId, taskId, s.Percent, s.Fps, s.Speed, s.Frames, s.At.ToUnixTimeMilliseconds());

    private void OnReceived(IReadOnlyList<TaskProgressNote> notes)
    {
        foreach (var note in notes)
        {
            var snapshot = new LiveProgress.Snapshot(note.Percent, note.Fps, note.Speed, note.Frames, DateTimeOffset.FromUnixTimeMilliseconds(note.At));
            progress.Report(note.TaskId, snapshot);
            _remote[note.TaskId] = snapshot;
        }

        foreach (var jobId in notes.Select(n => n.JobId).Distinct()) events.Publish(jobId);
    }

    /// <summary>An agent's stored drain or schedule changed on another coordinator (the one notice serves both).</summary>
    private void OnDrainChanged(string agentId) =>
        _ = ApplyStoredAsync(agentId).ContinueWith(
            t => Log.DrainFailed(logger, agentId, t.Exception!.GetBaseException().Message), TaskContinuationOptions.OnlyOnFaulted);

    private async Task ApplyStoredAsync(string agentId)
    {
        await drains.ApplyStoredAsync(agentId, CancellationToken.None);
        await schedules.ApplyStoredAsync(agentId, CancellationToken.None);
    }

    private async Task SendAsync(CancellationToken cancellationToken)
    {
        if (_pending.IsEmpty) return;
        var notes = new List<TaskProgressNote>();
        foreach (var taskId in _pending.Keys)
        {
            if (_pending.TryRemove(taskId, out var note)) notes.Add(note);
        }

        try
        {
            await channel.SendAsync(ClusterNotice.ForProgress(channel.Origin, notes), cancellationToken);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or IOException or TimeoutException)
        {
            Log.SendFailed(logger, notes.Count, ex.Message);
        }
    }

    private void ForgetOld()
    {
        var old = time.GetUtcNow() - RemoteLifetime;
        foreach (var (taskId, snapshot) in _remote)
        {
            if (snapshot.At >= old) continue;
            _remote.TryRemove(KeyValuePair.Create(taskId, snapshot));
            progress.Clear(taskId, snapshot);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(122, LogLevel.Debug, "Could not pass {Count} tasks' progress to the other coordinators ({Reason}); they will hear the next report")]
        public static partial void SendFailed(ILogger logger, int count, string reason);

        [LoggerMessage(123, LogLevel.Warning, "Could not apply the stored drain of agent {AgentId} ({Reason}); it is applied at the next presence refresh")]
        public static partial void DrainFailed(ILogger logger, string agentId, string reason);
    }
}
