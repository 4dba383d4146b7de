using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Net.Client;

namespace RenderFarm.Testing;

/// <summary>
/// The one place tests learn about access control: a farm's enrollment token and a bootstrap operator key, the
/// settings that give them to a coordinator and its agents, and channels that carry a key. Test harnesses
/// (FarmHost, CoordinatorProcess, FaultFarm) use it, so tests written against them get credentials unasked.
/// </summary>
public sealed class FarmCredentials
{
    public string EnrollmentToken { get; } = "enroll-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    /// <summary>An operator key the coordinator accepts from configuration (<c>Coordinator:Security:BootstrapOperatorKey</c>).</summary>
    public string OperatorKey { get; } = "rfk_bootstrap-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    /// <summary>
    /// Coordinator configuration keys and values (for an in-memory configuration): the token, the operator key, and
    /// request limits high enough that tests which fire many calls are never throttled (limit tests set their own).
    /// </summary>
    public IReadOnlyDictionary<string, string?> CoordinatorSettings => new Dictionary<string, string?>
    {
        ["Coordinator:Security:EnrollmentToken"] = EnrollmentToken,
        ["Coordinator:Security:BootstrapOperatorKey"] = OperatorKey,
        ["Coordinator:Security:RequestsPerSecond"] = "100000",
        ["Coordinator:Security:RequestBurst"] = "1000000",
        ["Coordinator:Security:MaxStreamsPerCaller"] = "10000",
    };

    /// <summary>The same as environment variables, for a coordinator process (secrets stay out of its command line).</summary>
    public IReadOnlyDictionary<string, string> CoordinatorEnvironment => CoordinatorSettings.ToDictionary(s => s.Key.Replace(":", "__"), s => s.Value!);

    /// <summary>Agent configuration: enroll with the token, keep the credential in <paramref name="credentialFile"/>.</summary>
    public IReadOnlyDictionary<string, string?> AgentSettings(string credentialFile) => new Dictionary<string, string?>
    {
        ["Agent:EnrollmentToken"] = EnrollmentToken,
        ["Agent:CredentialFile"] = credentialFile,
    };

    /// <summary>The same as environment variables, for an agent process.</summary>
    public IReadOnlyDictionary<string, string> AgentEnvironment(string credentialFile) =>
        AgentSettings(credentialFile).ToDictionary(s => s.Key.Replace(":", "__"), s => s.Value!);

    /// <summary>Environment for farmctl: the operator key.</summary>
    public IReadOnlyDictionary<string, string> FarmctlEnvironment => new Dictionary<string, string> { ["RENDERFARM_API_KEY"] = OperatorKey };

    /// <summary>A channel whose calls carry the operator key.</summary>
    public GrpcChannel OperatorChannel(string address, HttpMessageHandler? handler = null) => Channel(address, OperatorKey, handler);

    /// <summary>A channel whose calls carry <paramref name="key"/> (none when null), over h2c or TLS as the address says.</summary>
    public static GrpcChannel Channel(string address, string? key, HttpMessageHandler? handler = null, GrpcChannelOptions? options = null)
    {
        options ??= new GrpcChannelOptions();
        if (handler is not null) options.HttpHandler = handler;
        if (key is not null)
        {
            var call = CallCredentials.FromInterceptor((_, metadata) =>
            {
                metadata.Add("authorization", "Bearer " + key);
                return Task.CompletedTask;
            });
            var secure = address.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
            options.Credentials = ChannelCredentials.Create(secure ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure, call);
            options.UnsafeUseInsecureChannelCallCredentials = !secure;
        }

        return GrpcChannel.ForAddress(address, options);
    }

    /// <summary>Headers that carry <paramref name="key"/>, for a single call.</summary>
    public static Metadata Headers(string key) => new() { { "authorization", "Bearer " + key } };
}
