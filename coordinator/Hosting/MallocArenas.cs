using System.Runtime.InteropServices;

namespace RenderFarm.Coordinator.Hosting;

/// <summary>
/// Caps glibc's malloc arenas. glibc gives threads that allocate at the same moment arenas of their own, up to eight
/// per core, and memory freed in one arena is not reused by another: the native allocations of a busy coordinator
/// (SQLite's page caches and statements, Npgsql, the runtime's own) then stay resident several times over. Set here,
/// after the runtime's first threads have made arenas, the cap kept a coordinator with 1,000 agents and 100,000 queued
/// jobs at 305-309 MiB against 323 MiB; <c>MALLOC_ARENA_MAX=2</c> in the environment before the process starts does
/// more (281-293 MiB; docs/benchmarks.md, "Dispatch at scale"). A <c>MALLOC_ARENA_MAX</c> set in the environment wins; other C
/// libraries and systems are left alone.
/// </summary>
public static class MallocArenas
{
    /// <summary>The cap the coordinator starts with.</summary>
    public const int Default = 2;

    private const int ArenaMax = -8; // M_ARENA_MAX in glibc's malloc.h

    /// <summary>Sets the cap before the process starts its worker threads; true when glibc took it.</summary>
    public static bool Limit(int arenas = Default)
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null) return false;
        try
        {
            return MallOpt(ArenaMax, arenas) == 1;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MallOpt(int parameter, int value);
}
