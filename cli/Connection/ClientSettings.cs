using System.Text.Json;

namespace RenderFarm.Cli.Connection;

/// <summary>
/// farmctl's API key and CA file. The key comes from <c>$RENDERFARM_API_KEY</c>, else from the config file
/// (<c>$RENDERFARM_CONFIG</c>, else <c>~/.config/renderfarm/farmctl.json</c>: <c>{"apiKey": "rfk_...", "caFile": "/etc/ssl/studio-ca.pem"}</c>);
/// never from a flag, which would show in <c>ps</c> and shell history. The CA file from <c>$RENDERFARM_CA_FILE</c> or the config file.
/// </summary>
public sealed record ClientSettings(string? ApiKey, string? CaFile, string? Warning)
{
    public const string ApiKeyVariable = "RENDERFARM_API_KEY";
    public const string CaFileVariable = "RENDERFARM_CA_FILE";
    public const string ConfigVariable = "RENDERFARM_CONFIG";

    public static ClientSettings Resolve(Func<string, string?> getEnvironmentVariable)
    {
        var path = ConfigPath(getEnvironmentVariable);
        string? fileKey = null, fileCa = null, warning = null;
        if (path is not null && File.Exists(path))
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(path));
                fileKey = Text(document.RootElement, "apiKey");
                fileCa = Text(document.RootElement, "caFile");
            }
            catch (JsonException ex)
            {
                warning = $"warning: {path} is not valid JSON ({ex.Message}); its settings are ignored";
            }

            if (fileKey is not null && !OperatingSystem.IsWindows() &&
                (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
            {
                warning = $"warning: {path} holds an API key and others can read it; chmod 600 {path}";
            }
        }

        return new ClientSettings(
            NonEmpty(getEnvironmentVariable(ApiKeyVariable)) ?? fileKey,
            NonEmpty(getEnvironmentVariable(CaFileVariable)) ?? fileCa,
            warning);
    }

    private static string? ConfigPath(Func<string, string?> getEnvironmentVariable)
    {
        if (NonEmpty(getEnvironmentVariable(ConfigVariable)) is { } explicitPath) return explicitPath;
        var configHome = NonEmpty(getEnvironmentVariable("XDG_CONFIG_HOME"))
            ?? (NonEmpty(getEnvironmentVariable("HOME")) is { } home ? Path.Combine(home, ".config") : null);
        return configHome is null ? null : Path.Combine(configHome, "renderfarm", "farmctl.json");
    }

    private static string? Text(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? NonEmpty(value.GetString()) : null;

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
