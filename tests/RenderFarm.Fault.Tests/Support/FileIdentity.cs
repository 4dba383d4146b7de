using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>
/// Which file a path names (device, inode) and when it was last written: an atomic rename over a path gives it a
/// new inode even when the bytes are the same, so this tells whether a published output was replaced.
/// </summary>
public sealed record FileIdentity(string Inode, string Modified)
{
    public static async Task<FileIdentity> ReadAsync(string path)
    {
        var result = await ProcessRunner.RunAsync("stat", ["-c", "%d:%i|%y", path]);
        if (result.ExitCode != 0) throw new InvalidOperationException($"stat {path} failed: {result.StandardError}");
        var parts = result.StandardOutput.Trim().Split('|');
        return new FileIdentity(parts[0], parts[1]);
    }

    public override string ToString() => $"inode {Inode}, modified {Modified}";
}
