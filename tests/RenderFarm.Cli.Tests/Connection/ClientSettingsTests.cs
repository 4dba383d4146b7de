using RenderFarm.Cli.Connection;
using RenderFarm.Testing;

namespace RenderFarm.Cli.Tests.Connection;

public sealed class ClientSettingsTests
{
    [Fact]
    public void Resolve_EnvironmentKey_WinsOverTheConfigFile()
    {
        using var dir = new TempDir("farmctl-config");
        var config = dir.File("farmctl.json");
        File.WriteAllText(config, """{"apiKey": "rfk_from_file", "caFile": "/etc/ssl/studio-ca.pem"}""");

        var settings = ClientSettings.Resolve(name => name switch
        {
            "RENDERFARM_API_KEY" => "rfk_from_env",
            "RENDERFARM_CONFIG" => config,
            _ => null,
        });

        Assert.Equal(("rfk_from_env", "/etc/ssl/studio-ca.pem"), (settings.ApiKey, settings.CaFile));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Resolve_KeyFromAConfigFileOthersCanRead_WarnsToChmod()
    {
        using var dir = new TempDir("farmctl-config");
        var folder = Directory.CreateDirectory(dir.File(".config/renderfarm")).FullName;
        var config = Path.Combine(folder, "farmctl.json");
        File.WriteAllText(config, """{"apiKey": "rfk_from_file"}""");
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var settings = ClientSettings.Resolve(name => name == "HOME" ? dir.Path : null);

        Assert.Equal("rfk_from_file", settings.ApiKey);
        Assert.Contains("chmod 600", settings.Warning);
    }
}
