using RenderFarm.Coordinator.Hosting;

namespace RenderFarm.Coordinator.Tests.Hosting;

public sealed class MallocArenasTests
{
    [Fact]
    public void Limit_OnLinuxWithGlibc_IsTakenByTheCLibrary()
    {
        // The suite runs on Debian (glibc): mallopt must be found and accept the cap, or the coordinator's memory
        // figures in docs/benchmarks.md do not hold. An operator's own MALLOC_ARENA_MAX is left as it is.
        var expected = OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is null;
        Assert.Equal(expected, MallocArenas.Limit(MallocArenas.Default));
    }
}
