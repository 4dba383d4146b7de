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
            RequireConnectionString(options);
            services.AddSingleton(sp => new PostgresJobStore(options.ConnectionString!, sp.GetRequiredService<ILogger<PostgresJobStore>>(), options.Writers));
            services.AddSingleton<IJobStore>(sp => sp.GetRequiredService<PostgresJobStore>());
            return options;
        }

        // Made by a factory so the container disposes it (SQLite keeps connections open).
        var store = CreateStore(options, coordinator.DataDirectory);
        services.AddSingleton<IJobStore>(_ => store);
        return options;
    }

    /// <summary>The store the configuration names, outside the service container (the coordinator's own commands).</summary>
    public static SqlJobStore CreateStore(IConfiguration configuration, string dataDirectory) =>
        CreateStore(configuration.GetSection(StoreOptions.Section).Get<StoreOptions>() ?? new StoreOptions(), dataDirectory);

    private static SqlJobStore CreateStore(StoreOptions options, string dataDirectory)
    {
        if (options.Provider == StoreProvider.Postgres)
        {
            RequireConnectionString(options);
            return new PostgresJobStore(options.ConnectionString!, Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresJobStore>.Instance, options.Writers);
        }

        Directory.CreateDirectory(dataDirectory);
        options.ConnectionString = SqliteJobStore.ConnectionStringFor(Path.Combine(dataDirectory, "renderfarm.db"));
        return new SqliteJobStore(options.ConnectionString, options.SqliteFlushEachCommit);
    }

    private static void RequireConnectionString(StoreOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new InvalidOperationException("Store:Provider is Postgres but Store:ConnectionString is empty: set it to an Npgsql connection string, e.g. Host=db;Database=renderfarm;Username=farm;Password=secret");
        }
    }
}
