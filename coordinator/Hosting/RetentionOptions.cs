namespace RenderFarm.Coordinator.Hosting;

/// <summary>Housekeeping settings, bound from <c>Coordinator:Retention</c>.</summary>
public sealed class RetentionOptions
{
    /// <summary>
    /// Jobs that ended (succeeded, failed or canceled) longer ago than this are removed with their tasks, attempts and ffmpeg
    /// logs; outputs on disk are never touched. 0 keeps every job. Default 30 days.
    /// </summary>
    public TimeSpan FinishedJobs { get; set; } = TimeSpan.FromDays(30);

    /// <summary>An agent not connected for longer than this leaves the agent list. 0 keeps it listed (until a restart). Default 7 days.</summary>
    public TimeSpan DisconnectedAgents { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// An input's probe facts (probe reuse) not handed to a task nor probed again for longer than this are removed; a later
    /// task on it is probed again. 0 keeps them. Default 30 days.
    /// </summary>
    public TimeSpan ProbedSources { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often housekeeping runs (a Quartz job, on one coordinator of a cluster). Default 1 h.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Jobs removed per transaction, so a first run over a year of work never holds the writer long. Default 500.</summary>
    public int BatchSize { get; set; } = 500;
}
