using Quartz;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.Scheduling;

/// <summary>Quartz owns time: lease sweeps, start times, retry backoffs, recurring jobs, housekeeping and (PostgreSQL) table statistics, in a persistent store in the farm's own database.</summary>
public static class SchedulingExtensions
{
    public static IServiceCollection AddFarmScheduling(this IServiceCollection services, CoordinatorOptions options, StoreOptions storeOptions)
    {
        services.AddSingleton<IReleaseScheduler, QuartzReleaseScheduler>();
        services.AddSingleton<IRecurringScheduler, QuartzRecurringScheduler>();
        services.AddSingleton<RecurringRuns>();
        services.AddSingleton<AttemptTimeouts>();
        services.AddHostedService<ScheduleReconciler>();
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s => s.InstanceName = "renderfarm");
            q.UsePersistentStore(store =>
            {
                if (storeOptions.Provider == StoreProvider.Postgres)
                {
                    // Several coordinators share the schedule: each trigger fires on one of them.
                    store.UsePostgres(Npgsql.NpgsqlFactory.Instance, storeOptions.ConnectionString!);
                    store.UseClustering(c => c.CheckinInterval = storeOptions.ClusterCheckinInterval);
                }
                else
                {
                    store.UseSqlite(storeOptions.ConnectionString!);
                }

                store.UseSystemTextJsonSerializer();
                store.ProvisionSchema();
            });

            q.AddJob<ReleaseTaskJob>(j => j.WithIdentity(ReleaseTaskJob.Key).StoreDurably());
            q.AddJob<LeaseSweepJob>(j => j.WithIdentity(LeaseSweepJob.Key).StoreDurably());
            q.AddJob<RecurringJobFire>(j => j.WithIdentity(RecurringJobFire.Key).StoreDurably());
            q.AddTrigger(t => t
                .WithIdentity("lease-sweep", "renderfarm")
                .ForJob(LeaseSweepJob.Key)
                .StartNow()
                .WithSimpleSchedule(s => s.WithInterval(options.LeaseSweepInterval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
            q.AddJob<HousekeepingJob>(j => j.WithIdentity(HousekeepingJob.Key).StoreDurably());
            q.AddTrigger(t => t
                .WithIdentity("housekeeping", "renderfarm")
                .ForJob(HousekeepingJob.Key)
                .StartAt(TimeProvider.System.GetUtcNow().AddMinutes(1))
                .WithSimpleSchedule(s => s.WithInterval(options.Retention.Interval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
            if (storeOptions.Provider == StoreProvider.Postgres)
            {
                q.AddJob<TableStatisticsJob>(j => j.WithIdentity(TableStatisticsJob.Key).StoreDurably());
                q.AddTrigger(t => t
                    .WithIdentity("table-statistics", "renderfarm")
                    .ForJob(TableStatisticsJob.Key)
                    .StartNow()
                    .WithSimpleSchedule(s => s.WithInterval(TableStatisticsJob.Interval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
            }
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return services;
    }
}
