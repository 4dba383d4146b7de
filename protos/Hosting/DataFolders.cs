namespace RenderFarm.Protos.Hosting;

/// <summary>
/// Where a service keeps its own files (credential, database, logs, caches) when its configuration names no folder:
/// the machine's application-data folder when this user may write there, else the user's own. Never the folder the
/// binary is in, so a redeploy keeps them and two installs do not share them.
/// </summary>
public static class DataFolders
{
    /// <summary>
    /// The folder named by <paramref name="configured"/> (a relative one is taken from the current folder), or when
    /// empty <see cref="Default"/>.
    /// </summary>
    public static string Resolve(string? configured, string service) =>
        string.IsNullOrWhiteSpace(configured) ? Default(service) : Path.GetFullPath(configured);

    /// <summary>
    /// Linux <c>/var/lib/renderfarm/SERVICE</c> else <c>$XDG_DATA_HOME/renderfarm/SERVICE</c> (<c>~/.local/share</c>);
    /// Windows <c>%ProgramData%\RenderFarm\SERVICE</c> else <c>%LOCALAPPDATA%\RenderFarm\SERVICE</c>;
    /// macOS <c>/Library/Application Support/RenderFarm/SERVICE</c> else <c>~/Library/Application Support/RenderFarm/SERVICE</c>.
    /// </summary>
    public static string Default(string service)
    {
        var (machine, user) = Candidates(service);
        return Writable(machine) ? machine : user;
    }

    private static (string Machine, string User) Candidates(string service)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsWindows())
        {
            return (Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "RenderFarm", service),
                Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "RenderFarm", service));
        }

        if (OperatingSystem.IsMacOS())
        {
            return (Path.Combine("/Library/Application Support/RenderFarm", service),
                Path.Combine(home, "Library", "Application Support", "RenderFarm", service));
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var userData = string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".local", "share") : xdg;
        return (Path.Combine("/var/lib/renderfarm", service), Path.Combine(userData, "renderfarm", service));
    }

    /// <summary>Whether the folder exists or can be made, and a file can be written in it.</summary>
    private static bool Writable(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".write-test-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
