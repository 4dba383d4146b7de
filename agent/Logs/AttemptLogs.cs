using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Hosting;
using RenderFarm.Agent.Link;

namespace RenderFarm.Agent.Logs;

/// <summary>
/// The folder of attempt logs (<see cref="AgentOptions.LogDirectory"/>): opens one <see cref="AttemptLog"/> per
/// attempt, named by its attempt id, and keeps the folder within <see cref="AgentOptions.LogRetentionCount"/> files
/// and <see cref="AgentOptions.LogRetentionBytes"/>.
/// </summary>
public sealed partial class AttemptLogs(AgentOutbox outbox, IOptions<AgentOptions> options, TimeProvider time, ILogger<AttemptLogs> logger)
{
    private readonly ConcurrentDictionary<string, AttemptLog> _open = new();

    /// <summary>The folder, as an absolute path.</summary>
    public string Directory { get; } = Path.GetFullPath(options.Value.LogDirectory);

    /// <summary>Where the log of <paramref name="attemptId"/> is written.</summary>
    public string PathFor(string attemptId) => Path.Combine(Directory, AttemptNames.Safe(attemptId) + ".log");

    /// <summary>Starts the log of an attempt (replacing an older file of the same name) and prunes old logs. Never throws for I/O.</summary>
    public AttemptLog Open(string attemptId)
    {
        var path = PathFor(attemptId);
        FileStream? file = null;
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CannotWrite(logger, ex, attemptId, Directory);
        }

        var o = options.Value;
        var log = new AttemptLog(attemptId, file, outbox, time, o.LogFlushInterval, (l, ex) => Log.CannotWrite(logger, ex, l.AttemptId, Directory), Closed);
        if (file is not null)
        {
            _open[file.Name] = log;
            Prune();
        }

        return log;
    }

    /// <summary>Removes old logs beyond the limits (the open ones stay).</summary>
    public void Prune()
    {
        try
        {
            var removed = LogRetention.Prune(Directory, options.Value.LogRetentionCount, options.Value.LogRetentionBytes, _open.Keys.ToList());
            if (removed.Count > 0) Log.Pruned(logger, removed.Count, Directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.PruneFailed(logger, ex, Directory);
        }
    }

    private void Closed(AttemptLog log)
    {
        if (log.Path is not null) _open.TryRemove(new KeyValuePair<string, AttemptLog>(log.Path, log));
    }
}
