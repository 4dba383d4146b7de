using System.Collections.Concurrent;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>
/// The latest progress report per task. Progress is ephemeral (it is re-reported within seconds), so it is
/// kept in memory and not written to the store on every message.
/// </summary>
public sealed class LiveProgress
{
    public readonly record struct Snapshot(double Percent, double Fps, double Speed, long Frames, DateTimeOffset At);

    private readonly ConcurrentDictionary<string, Snapshot> _byTask = new();

    /// <summary>Raised with each report an agent connected here made (job id, task id, snapshot).</summary>
    public event Action<string, string, Snapshot>? Reported;

    /// <summary>Progress an agent connected to this coordinator reported.</summary>
    public void Report(string jobId, string taskId, Snapshot snapshot)
    {
        _byTask[taskId] = snapshot;
        Reported?.Invoke(jobId, taskId, snapshot);
    }

    /// <summary>Progress heard from elsewhere (another coordinator's agent); not raised again.</summary>
    public void Report(string taskId, Snapshot snapshot) => _byTask[taskId] = snapshot;

    public Snapshot? Get(string taskId) => _byTask.TryGetValue(taskId, out var s) ? s : null;

    public void Clear(string taskId) => _byTask.TryRemove(taskId, out _);

    /// <summary>Forgets the task's progress only if it is still <paramref name="snapshot"/> (nothing newer came).</summary>
    public void Clear(string taskId, Snapshot snapshot) => _byTask.TryRemove(KeyValuePair.Create(taskId, snapshot));
}
