using System.Reflection;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>
/// Where the coordinator and agent builds are: the repository root (the folder holding RenderFarm.sln, found by
/// walking up from this assembly) and the Configuration this test assembly was built with.
/// </summary>
public static class BuildLayout
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The repository root.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>Debug or Release: the product is run from the same configuration as the tests.</summary>
    public static string Configuration { get; } =
        typeof(BuildLayout).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } c ? c : "Debug";

    /// <summary><c>coordinator/bin/&lt;Configuration&gt;/net10.0/renderfarm-coordinator.dll</c>.</summary>
    public static string CoordinatorDll => Output("coordinator", "renderfarm-coordinator.dll");

    /// <summary><c>agent/bin/&lt;Configuration&gt;/net10.0/renderfarm-agent.dll</c>.</summary>
    public static string AgentDll => Output("agent", "renderfarm-agent.dll");

    /// <summary><c>cli/bin/&lt;Configuration&gt;/net10.0/farmctl.dll</c>.</summary>
    public static string FarmctlDll => Output("cli", "farmctl.dll");

    private static string Output(string project, string dll)
    {
        var path = Path.Combine(RepositoryRoot, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{dll} is not built for {Configuration}: run `dotnet build tests/RenderFarm.Fault.Tests -c {Configuration}`", path);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RenderFarm.sln"))) return dir.FullName;
        }

        throw new DirectoryNotFoundException($"no RenderFarm.sln above {AppContext.BaseDirectory}");
    }
}
