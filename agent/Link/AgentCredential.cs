using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using RenderFarm.Agent.Hosting;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Link;

/// <summary>
/// The agent's own credential: read from <see cref="AgentOptions.CredentialFile"/>, or, the first time, got by
/// exchanging the farm's enrollment token and stored in that file, readable by this user only.
/// </summary>
public sealed partial class AgentCredential(GrpcChannel channel, IOptions<AgentOptions> options, ILogger<AgentCredential> logger)
{
    private string? _secret;

    /// <summary>Headers that carry the credential; empty when the agent has none (the coordinator then says how to enroll).</summary>
    public async Task<Metadata> HeadersAsync(CancellationToken cancellationToken)
    {
        var secret = await GetAsync(cancellationToken);
        return secret is null ? [] : new Metadata { { "authorization", "Bearer " + secret } };
    }

    /// <summary>Adds the credential, once the agent holds one, to a call's headers (calls beside the agent stream: transfers).</summary>
    public Metadata AddTo(Metadata headers)
    {
        if (_secret is { } secret) headers.Add("authorization", "Bearer " + secret);
        return headers;
    }

    private async Task<string?> GetAsync(CancellationToken cancellationToken)
    {
        if (_secret is not null) return _secret;
        var o = options.Value;
        if (File.Exists(o.CredentialFile))
        {
            _secret = (await File.ReadAllTextAsync(o.CredentialFile, cancellationToken)).Trim();
            return _secret;
        }

        if (string.IsNullOrWhiteSpace(o.EnrollmentToken))
        {
            Log.NoCredential(logger, o.CredentialFile);
            return null;
        }

        var reply = await new AccessService.AccessServiceClient(channel).EnrollAgentAsync(
            new EnrollAgentRequest { AgentName = o.Name, EnrollmentToken = o.EnrollmentToken }, cancellationToken: cancellationToken);
        await StoreAsync(o.CredentialFile, reply.Credential, cancellationToken);
        Log.Enrolled(logger, o.Name, o.CredentialFile);
        _secret = reply.Credential;
        return _secret;
    }

    /// <summary>Writes the credential beside its final name with owner-only permissions (0600), then renames it into place.</summary>
    private static async Task StoreAsync(string path, string credential, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".new";
        var file = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using (var stream = new FileStream(temporary, file))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(credential.AsMemory(), cancellationToken);
        }

        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
    }

    private static partial class Log
    {
        [LoggerMessage(700, LogLevel.Information, "Enrolled as {Agent}; credential stored in {File}")]
        public static partial void Enrolled(ILogger logger, string agent, string file);

        [LoggerMessage(701, LogLevel.Warning, "No credential at {File} and no Agent:EnrollmentToken: the coordinator will refuse this agent until it is given the farm's enrollment token")]
        public static partial void NoCredential(ILogger logger, string file);
    }
}
