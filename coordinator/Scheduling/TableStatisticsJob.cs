using Quartz;
using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.Scheduling;

/// <summary>
/// PostgreSQL only, every few seconds on one coordinator of the cluster: the busy tables are analysed when they changed
/// much, so plans follow a queue that grows or drains in seconds (<see cref="PostgresJobStore.AnalyzeChangedTablesAsync"/>).
/// </summary>
[DisallowConcurrentExecution]
public sealed partial class TableStatisticsJob(PostgresJobStore store, ILogger<TableStatisticsJob> logger) : IJob
{
    public static readonly JobKey Key = new("table-statistics", "renderfarm");

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var analysed = await store.AnalyzeChangedTablesAsync(cancellationToken);
        if (analysed.Count > 0) Analysed(logger, string.Join(", ", analysed));
    }

    [LoggerMessage(140, LogLevel.Debug, "Analysed {Tables}: their statistics were behind their rows")]
    private static partial void Analysed(ILogger logger, string tables);
}
