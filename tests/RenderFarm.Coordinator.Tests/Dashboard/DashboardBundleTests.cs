using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Dashboard;

/// <summary>The dashboard's script is committed as a bundle; it must be the bundle of the TypeScript beside it.</summary>
public sealed class DashboardBundleTests
{
    [Fact]
    public async Task CommittedBundle_RebuiltFromSources_IsTheSame()
    {
        var bundle = Path.Combine(RepoPaths.Root, "coordinator", "Dashboard", "Assets", "app.js");
        Assert.True(new FileInfo(bundle).Length > 10_000, $"{bundle} is missing or empty: run scripts/lib/build-dashboard.sh");
        // The rebuild needs node and the npm packages scripts/lib/ensure-tools.sh installs; without npm only the bundle is checked.
        if (!File.Exists("/usr/bin/npm") && !File.Exists("/usr/local/bin/npm")) return;

        var result = await ProcessRunner.RunAsync(Path.Combine(RepoPaths.Root, "scripts", "lib", "build-dashboard.sh"), ["--check"]);

        Assert.True(result.ExitCode == 0, $"{result.StandardError}\n{result.StandardOutput}");
    }
}
