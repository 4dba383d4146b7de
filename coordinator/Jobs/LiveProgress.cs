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

    public void Report(string taskId, Snapshot snapshot) => _byTask[taskId] = snapshot;

    public Snapshot? Get(string taskId) => _byTask.TryGetValue(taskId, out var s) ? s : null;

    public void Clear(string taskId) => _byTask.TryRemove(taskId, out _);
}
