using Grpc.Core;
using Microsoft.Extensions.Options;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Security;

/// <summary>Finds who makes a call from its <c>authorization: Bearer ...</c> header: an API key or an agent credential.</summary>
public sealed class Authenticator(AccessStore store, IOptions<SecurityOptions> options)
{
    public const string Header = "authorization";
    private const int MaxSecretLength = 200;

    /// <summary>The caller, null when the call carries no credential; refuses a credential that is not (or no longer) valid.</summary>
    /// <param name="acceptBootstrap">False for an address that has spent its budget on wrong credentials: the bootstrap key is then not
    /// accepted from it (the key is then simply unknown), so it cannot be guessed faster than the budget allows.</param>
    public async Task<Caller?> AuthenticateAsync(Metadata headers, bool acceptBootstrap, CancellationToken cancellationToken)
    {
        var value = headers.GetValue(Header);
        if (string.IsNullOrEmpty(value)) return null;
        if (!value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || value.Length > MaxSecretLength + 7)
        {
            throw Unauthenticated("the authorization header must be 'Bearer <key>'");
        }

        var secret = value[7..].Trim();
        var bootstrap = options.Value.BootstrapOperatorKey;
        if (acceptBootstrap && bootstrap.Length > 0 && Secrets.Same(secret, bootstrap)) return new Caller("bootstrap", Role.Operator, false);

        var hash = Secrets.Hash(secret);
        if (secret.StartsWith(Secrets.AgentCredentialPrefix, StringComparison.Ordinal))
        {
            return await store.FindAgentAsync(hash, cancellationToken) is { } agent
                ? Caller.Agent(agent)
                : throw Unauthenticated("this agent credential is unknown or was revoked: enroll the agent again (revoke it first if it is still listed)");
        }

        return await store.FindApiKeyAsync(hash, cancellationToken) is { } key
            ? new Caller(key.Name, key.Role, false)
            : throw Unauthenticated("this API key is unknown or was revoked: ask an operator for a key (farmctl keys create)");
    }

    private static AccessDeniedException Unauthenticated(string message) => new(StatusCode.Unauthenticated, message);
}
