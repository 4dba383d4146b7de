using System.Reflection;

namespace RenderFarm.Protos.Hosting;

/// <summary>
/// What build a service runs, for <c>renderfarm_build_info</c>: the version and the source revision the SDK stamps into
/// the informational version (<c>1.0.0+3f2a9c1...</c>; empty when built outside a git checkout), and the .NET runtime.
/// </summary>
public sealed record BuildVersion(string Version, string Revision, string Runtime)
{
    public static BuildVersion Of(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        var version = plus < 0 ? informational : informational[..plus];
        var revision = plus < 0 ? "" : informational[(plus + 1)..];
        return new BuildVersion(version, revision.Length > 12 ? revision[..12] : revision, System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
    }
}
