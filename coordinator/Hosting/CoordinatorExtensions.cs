using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Api;
using RenderFarm.Coordinator.Cluster;
using RenderFarm.Coordinator.Dashboard;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Media;
using RenderFarm.Coordinator.Notifications;
using RenderFarm.Coordinator.Observability;
using RenderFarm.Coordinator.Publishing;
using RenderFarm.Coordinator.Recipes;
using RenderFarm.Coordinator.Scheduling;
using RenderFarm.Coordinator.Security;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Coordinator.Thumbnails;
using RenderFarm.Coordinator.Transfer;
using RenderFarm.Coordinator.Watching;
using RenderFarm.Coordinator.WatchFolders;

namespace RenderFarm.Coordinator.Hosting;

/// <summary>The coordinator's parts, registered and mapped; Program.cs and the test host both call these.</summary>
public static class CoordinatorExtensions
{
    public static IServiceCollection AddCoordinator(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(CoordinatorOptions.Section).Get<CoordinatorOptions>() ?? new CoordinatorOptions();
        options.Resolve();
        services.AddOptions<CoordinatorOptions>().Bind(configuration.GetSection(CoordinatorOptions.Section))
            .PostConfigure(o => o.Resolve())
            .ValidateDataAnnotations()
            .Validate(o => o.Retention.FinishedJobs >= TimeSpan.Zero && o.Retention.DisconnectedAgents >= TimeSpan.Zero,
                "Coordinator:Retention:FinishedJobs and Coordinator:Retention:DisconnectedAgents: must be 0 (keep) or a positive time span such as 30.00:00:00")
            .Validate(o => o.Retention.Interval >= TimeSpan.FromSeconds(1) && o.Retention.BatchSize is >= 1 and <= 10_000,
                "Coordinator:Retention:Interval: must be at least 00:00:01, and Coordinator:Retention:BatchSize 1 to 10000")
            .Validate(o => o.KeepAlivePingDelay == TimeSpan.Zero || o.KeepAlivePingDelay >= TimeSpan.FromSeconds(1), "Coordinator:KeepAlivePingDelay: must be 0 (off) or at least 1 s")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<CoordinatorOptions>, CoordinatorSettings>();
        // HTTP/2 pings on a connection that has sent nothing for a while, so a stalled agent link is closed within seconds
        // (the agent pings too, and reconnects) instead of looking healthy until its leases run out.
        services.Configure<KestrelServerOptions>(o =>
        {
            if (options.KeepAlivePingDelay < TimeSpan.FromSeconds(1)) return;
            o.Limits.Http2.KeepAlivePingDelay = options.KeepAlivePingDelay;
            o.Limits.Http2.KeepAlivePingTimeout = options.KeepAlivePingDelay;
        });

        services.AddSingleton(TimeProvider.System);
        var store = services.AddFarmStore(configuration, options);
        services.AddHostedService<StoreInitializer>();

        services.AddSingleton<MediaRoots>();
        services.AddHostedService<MediaRootsReport>();
        services.AddSingleton<JobValidator>();
        services.AddSingleton<JobSequence>();
        services.AddSingleton<JobEvents>();
        services.AddSingleton<LiveProgress>();
        services.AddSingleton<JobCatalog>();
        services.AddSingleton<Chains.ChainInputProbe>();
        services.AddSingleton<Chains.ChainInputs>();
        services.AddSingleton<Chains.ChainInputWatcher>();
        services.AddSingleton<IChainInputChecks>(sp => sp.GetRequiredService<Chains.ChainInputWatcher>());
        services.AddHostedService(sp => sp.GetRequiredService<Chains.ChainInputWatcher>());
        services.AddSingleton<TimeLeft>();
        services.AddSingleton<JobView>();
        services.AddSingleton<Jobs.Control.JobControl>();
        services.AddSingleton<Jobs.Control.JobBulkChanges>();
        services.AddSingleton<TaskLogReader>();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<CoordinatorOptions>>().Value;
            return new RetryBackoff(o.RetryBaseDelay, o.RetryMaxDelay);
        });

        services.AddSingleton<AgentRegistry>();
        services.AddSingleton<WorkSignals>();
        services.AddSingleton<IWorkSignals>(sp => sp.GetRequiredService<WorkSignals>());
        services.AddSingleton<PublishedOutputs>();
        services.AddSingleton(sp => new Probing.ProbedSources(
            (Storage.SqlJobStore)sp.GetRequiredService<Storage.IJobStore>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<CoordinatorOptions>>().Value.Retention.ProbedSources));
        services.AddSingleton<AttemptLifecycle>();
        services.AddSingleton<AttemptLogs>();
        services.AddSingleton<AgentDrains>();
        services.AddSingleton(sp => new AgentScheduleStore((Storage.SqlJobStore)sp.GetRequiredService<Storage.IJobStore>()));
        services.AddSingleton<AgentSchedules>();
        services.AddSingleton<RoutingCounts>();
        services.AddSingleton<IWaitExplainer, WaitExplainer>();
        services.AddSingleton<AgentConnection>();
        services.AddSingleton<RecentThroughput>();
        services.AddSingleton<History.ThroughputSeries>();
        services.AddSingleton<FarmStatus>();
        services.AddSingleton<Housekeeping.FarmHousekeeping>();
        services.AddHostedService<Dispatcher>();
        services.AddHostedService<Chunking.WorkFolderCleaner>();

        services.AddFarmScheduling(options, store);
        services.AddFarmCluster(configuration, store);
        services.AddFarmWatching(configuration);
        services.AddFarmObservability();
        services.AddFarmTransfer(configuration);
        services.AddFarmSecurity(configuration);
        services.AddFarmDashboard();
        services.AddFarmRecipes();
        services.AddFarmWatchFolders(configuration);
        services.AddFarmNotifications(configuration);
        services.AddFarmThumbnails(configuration);

        var maxRequestBytes = configuration.GetSection(SecurityOptions.Section).Get<SecurityOptions>()?.MaxRequestBytes ?? new SecurityOptions().MaxRequestBytes;
        services.AddGrpc(o =>
        {
            o.Interceptors.Add<RpcMetricsInterceptor>();
            o.Interceptors.Add<AccessInterceptor>();
            o.Interceptors.Add<DomainErrorInterceptor>();
            o.MaxReceiveMessageSize = maxRequestBytes;
        });
        services.AddGrpcReflection();
        return services;
    }

    /// <summary>
    /// Reads the settings once, so a mistake ends the coordinator with one line (<see cref="Protos.Hosting.StartupFailure"/>)
    /// before the host starts and logs it with a stack trace.
    /// </summary>
    public static void CheckCoordinatorSettings(this IServiceProvider services) => _ = services.GetRequiredService<IOptions<CoordinatorOptions>>().Value;

    public static WebApplication MapCoordinator(this WebApplication app)
    {
        app.MapFarmDashboard();
        app.MapGrpcService<JobGrpcService>();
        app.MapGrpcService<AgentGrpcService>();
        app.MapGrpcService<FarmGrpcService>();
        app.MapGrpcService<AccessGrpcService>();
        app.MapGrpcService<RecipeGrpcService>();
        app.MapGrpcService<BatchGrpcService>();
        app.MapGrpcService<WatchFolderGrpcService>();
        app.MapGrpcService<NotificationGrpcService>();
        app.MapFarmObservability();
        app.MapFarmTransfer();
        app.MapGrpcReflectionService();
        return app;
    }
}
