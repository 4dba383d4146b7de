using Quartz;
using RenderFarm.Coordinator.Dispatch;

namespace RenderFarm.Coordinator.Scheduling;

/// <summary>Fired by a persistent one-shot trigger when a task's retry backoff is over.</summary>
public sealed class ReleaseTaskJob(AttemptLifecycle attempts) : IJob
{
    public const string TaskIdKey = "taskId";
    public static readonly JobKey Key = new("release-task", "renderfarm");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await attempts.ReleaseAsync(context.MergedJobDataMap.GetString(TaskIdKey)!, cancellationToken);
}
