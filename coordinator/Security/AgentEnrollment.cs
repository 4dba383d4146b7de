using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Jobs;

namespace RenderFarm.Coordinator.Security;

/// <summary>
/// Agents join with the farm's enrollment token and get a credential of their own; an operator revokes it,
/// which closes the agent's stream at once and puts its work back in the queue.
/// </summary>
public sealed partial class AgentEnrollment(
    AccessStore store,
    AgentRegistry agents,
    AttemptLifecycle attempts,
    IOptions<SecurityOptions> options,
    TimeProvider time,
    ILogger<AgentEnrollment> logger)
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex AgentName();

    public async Task<string> EnrollAsync(string agentName, string token, CancellationToken cancellationToken)
    {
        var configured = options.Value.EnrollmentToken;
        if (configured.Length == 0)
        {
            throw new AccessDeniedException(Grpc.Core.StatusCode.PermissionDenied,
                "enrollment is turned off on this coordinator: set Coordinator:Security:EnrollmentToken there, then give the agent the same value as Agent:EnrollmentToken");
        }

        if (!Secrets.Same(token ?? "", configured))
        {
            Log.EnrollmentRefused(logger, agentName);
            throw new AccessDeniedException(Grpc.Core.StatusCode.Unauthenticated,
                "the enrollment token is wrong: use the value of Coordinator:Security:EnrollmentToken as Agent:EnrollmentToken");
        }

        if (!AgentName().IsMatch(agentName ?? ""))
        {
            throw new JobValidationException(["agent_name: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"]);
        }

        var credential = Secrets.New(Secrets.AgentCredentialPrefix);
        if (!await store.TryInsertAgentCredentialAsync(agentName!, Secrets.Hash(credential), time.GetUtcNow(), cancellationToken))
        {
            throw new AccessDeniedException(Grpc.Core.StatusCode.AlreadyExists,
                $"agent '{agentName}' is already enrolled; if it lost its credential file, revoke it first (farmctl agents revoke {agentName}) and enroll again");
        }

        Log.Enrolled(logger, agentName!);
        return credential;
    }

    public Task<IReadOnlyList<AccessStore.AgentCredential>> ListAsync(CancellationToken cancellationToken) => store.ListAgentCredentialsAsync(cancellationToken);

    /// <summary>Revokes the agent's credential, closes its stream and re-queues its running attempts.</summary>
    public async Task<(AccessStore.AgentCredential Credential, int Requeued)> RevokeAsync(string agentName, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(agentName) || agentName.Length > 64) throw new JobValidationException(["agent_name: is required (the name farmctl agents shows)"]);
        var revoked = await store.RevokeAgentAsync(agentName, time.GetUtcNow(), cancellationToken)
            ?? throw new NotFoundException($"agent '{agentName}' holds no live credential (farmctl agents lists the agents by name)");
        agents.Find(agentName)?.Close();
        var requeued = await attempts.ExpireAsync(a => a.AgentId == agentName, "the agent's credential was revoked", cancellationToken);
        Log.Revoked(logger, agentName, requeued);
        return (revoked, requeued);
    }

    private static partial class Log
    {
        [LoggerMessage(600, LogLevel.Information, "Agent {Agent} enrolled")]
        public static partial void Enrolled(ILogger logger, string agent);

        [LoggerMessage(601, LogLevel.Warning, "Refused an enrollment as {Agent}: wrong enrollment token")]
        public static partial void EnrollmentRefused(ILogger logger, string? agent);

        [LoggerMessage(602, LogLevel.Warning, "Agent {Agent}'s credential revoked; {Requeued} attempt(s) re-queued")]
        public static partial void Revoked(ILogger logger, string agent, int requeued);
    }
}
