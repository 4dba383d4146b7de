using Npgsql;

namespace RenderFarm.Testing;

/// <summary>
/// The PostgreSQL server tests run against: the one <c>scripts/test.sh</c> started
/// (<c>$RENDERFARM_TEST_POSTGRES</c>), or else a throw-away cluster this process starts with
/// <c>scripts/lib/ensure-postgres.sh</c> and stops when it exits. Each test gets a database of its own.
/// </summary>
public static class TestPostgres
{
    public const string EnvironmentVariable = "RENDERFARM_TEST_POSTGRES";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _server;

    /// <summary>A connection string to a new, empty database.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var server = await ServerAsync().ConfigureAwait(false);
        var name = "rf_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name, MaxPoolSize = 40 }.ToString();
    }

    private static async Task<string> ServerAsync()
    {
        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_server is not null) return _server;
            var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(fromEnvironment)) return _server = fromEnvironment;

            var script = Path.Combine(RepositoryRoot(), "scripts", "lib", "ensure-postgres.sh");
            var started = await ProcessRunner.RunAsync("bash", [script, "start"]).ConfigureAwait(false);
            if (started.ExitCode != 0) throw new InvalidOperationException($"could not start PostgreSQL for the tests: {started.StandardError}");
            var lines = started.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var dir = lines[1].Trim();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => ProcessRunner.RunAsync("bash", [script, "stop", dir]).GetAwaiter().GetResult();
            return _server = lines[0].Trim();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RenderFarm.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("cannot find the repository root (RenderFarm.sln) above " + AppContext.BaseDirectory);
    }
}
