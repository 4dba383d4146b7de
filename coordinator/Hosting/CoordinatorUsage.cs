namespace RenderFarm.Coordinator.Hosting;

/// <summary>What <c>renderfarm-coordinator --help</c> prints: how to run it and its main settings.</summary>
public static class CoordinatorUsage
{
    public static bool Asked(IReadOnlyList<string> args) => args.Any(a => a is "--help" or "-h" or "-?" or "/?" or "help");

    public const string Text = """
        usage: renderfarm-coordinator [--Coordinator:SETTING=VALUE ...]
               renderfarm-coordinator keys create --name NAME --role viewer|editor|operator

        Hands render jobs to the agents that dial in (gRPC) and keeps them in a database. Settings come from
        appsettings.json beside the binary, environment variables (Coordinator__DefaultMaxRetries=5) and the
        command line (--Coordinator:DefaultMaxRetries=5).

        Main settings:
          Kestrel:Endpoints:Grpc:Url        where agents and farmctl connect           http://127.0.0.1:7400
          Kestrel:Endpoints:Metrics:Url     Prometheus /metrics and the web dashboard   http://127.0.0.1:7401
          Coordinator:DataDirectory         the SQLite database                          /var/lib/renderfarm/coordinator, else ~/.local/share/renderfarm/coordinator
          Coordinator:MediaRoots:NAME       folder of the media root NAME (replaces the default)  media=./media
          Coordinator:DefaultMaxRetries     retries of a transient failure (0-10)        3
          Coordinator:LeaseDuration         an attempt's lease without heartbeats        00:00:30
          Store:Provider                    Sqlite or Postgres (several coordinators)    Sqlite
          Store:ConnectionString            the PostgreSQL connection string
          Coordinator:Security:EnrollmentToken  the token agents enroll with

        A setting that is wrong ends the coordinator with one line naming it and exit code 2.
        More: docs/configuration.md.

        """;
}
