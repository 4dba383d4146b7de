using System.Reflection;

namespace RenderFarm.Coordinator.Tests.Support;

/// <summary>Where things are in the repository the tests were built from.</summary>
public static class RepoPaths
{
    /// <summary>The folder holding RenderFarm.sln, found by walking up from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration of these tests (Debug or Release); the coordinator is built alongside.</summary>
    public static string Configuration { get; } =
        typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    public static string Protos => Path.Combine(Root, "protos");

    public static string CoordinatorDll => Path.Combine(Root, "coordinator", "bin", Configuration, "net10.0", "renderfarm-coordinator.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RenderFarm.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException($"No RenderFarm.sln above {AppContext.BaseDirectory}.");
    }
}
