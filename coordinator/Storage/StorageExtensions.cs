using RenderFarm.Coordinator.Hosting;

namespace RenderFarm.Coordinator.Storage;

/// <summary>Registers the store the configuration names: SQLite in the data folder, or a shared PostgreSQL.</summary>
public static class StorageExtensions
{
    public static StoreOptions AddFarmStore(this IServiceCollection services, IConfiguration configuration, CoordinatorOptions coordinator)
    {
        var options = configuration.GetSection(StoreOptions.Section).Get<StoreOptions>() ?? new StoreOptions();
        if (options.Provider == StoreProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                throw new InvalidOperationException("Store:Provider is Postgres but Store:ConnectionString is empty: set it to an Npgsql connection string, e.g. Host=db;Database=renderfarm;Username=farm;Password=secret");
            }

            services.AddSingleton(sp => new PostgresJobStore(options.ConnectionString, sp.GetRequiredService<ILogger<PostgresJobStore>>()));
            services.AddSingleton<IJobStore>(sp => sp.GetRequiredService<PostgresJobStore>());
            return options;
        }

        Directory.CreateDirectory(coordinator.DataDirectory);
        options.ConnectionString = SqliteJobStore.ConnectionStringFor(Path.Combine(coordinator.DataDirectory, "renderfarm.db"));
        services.AddSingleton<IJobStore>(new SqliteJobStore(options.ConnectionString, options.SqliteFlushEachCommit));
        return options;
    }
}
