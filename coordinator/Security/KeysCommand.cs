using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Security;

/// <summary>
/// <c>renderfarm-coordinator keys create --name NAME --role operator [--Coordinator:DataDirectory=...]</c>: issues an
/// API key straight into the farm's database (the coordinator may be running), so a new farm gets its first
/// operator key without any key yet. Prints the key alone on standard output.
/// </summary>
public static class KeysCommand
{
    public const string Usage = "usage: renderfarm-coordinator keys create --name NAME --role viewer|editor|operator [--Coordinator:DataDirectory=DIR]";

    public static bool Matches(string[] args) => args.Length > 0 && args[0] == "keys";

    public static async Task<int> RunAsync(string[] args)
    {
        string? name = null, role = null;
        var rest = new List<string>();
        for (var i = 2; i < args.Length; i++)
        {
            if (args[i] == "--name" && i + 1 < args.Length) name = args[++i];
            else if (args[i] == "--role" && i + 1 < args.Length) role = args[++i];
            else rest.Add(args[i]);
        }

        if (args.Length < 2 || args[1] != "create" || name is null || role is null)
        {
            Console.Error.WriteLine(Usage);
            return 64;
        }

        var parsed = role.ToLowerInvariant() switch { "viewer" => Role.Viewer, "editor" => Role.Editor, "operator" => Role.Operator, _ => Role.Unspecified };
        if (parsed == Role.Unspecified || string.IsNullOrWhiteSpace(name))
        {
            // Refused before the data folder or the database is touched.
            Console.Error.WriteLine(parsed == Role.Unspecified
                ? $"error: --role '{role}' is not a role: use viewer, editor or operator"
                : "error: --name is required: the name of the person or tool the key is for");
            return 64;
        }

        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(rest.ToArray())
            .Build();
        var options = configuration.GetSection(CoordinatorOptions.Section).Get<CoordinatorOptions>() ?? new CoordinatorOptions();
        options.Resolve();
        var dataDirectory = options.DataDirectory;
        Directory.CreateDirectory(dataDirectory);
        var store = StorageExtensions.CreateStore(configuration, dataDirectory);
        await store.InitializeAsync(CancellationToken.None);
        try
        {
            var (info, key) = await new ApiKeys(new AccessStore(store), TimeProvider.System).CreateAsync(name, parsed, CancellationToken.None);
            Console.Error.WriteLine($"issued {RoleNames.Name(info.Role)} key {info.Id} for '{info.Name}'; it is shown once, below:");
            Console.WriteLine(key);
            return 0;
        }
        catch (Jobs.JobValidationException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 64;
        }
    }
}
