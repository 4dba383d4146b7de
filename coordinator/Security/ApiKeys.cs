using System.Text.RegularExpressions;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Security;

/// <summary>Issues, lists and revokes the API keys people use; only a key's hash is kept.</summary>
public sealed partial class ApiKeys(AccessStore store, TimeProvider time)
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
    private static partial Regex KeyName();

    public async Task<(AccessStore.ApiKey Info, string Key)> CreateAsync(string name, Role role, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        if (!KeyName().IsMatch(name ?? "")) errors.Add("name: 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit (who holds the key)");
        if (role is not (Role.Viewer or Role.Editor or Role.Operator)) errors.Add("role: viewer, editor or operator");
        if (errors.Count > 0) throw new JobValidationException(errors);

        var key = Secrets.New(Secrets.ApiKeyPrefix);
        var info = new AccessStore.ApiKey("key-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)), name!, role, time.GetUtcNow(), null);
        await store.InsertApiKeyAsync(info, Secrets.Hash(key), cancellationToken);
        return (info, key);
    }

    public Task<IReadOnlyList<AccessStore.ApiKey>> ListAsync(CancellationToken cancellationToken) => store.ListApiKeysAsync(cancellationToken);

    public async Task<AccessStore.ApiKey> RevokeAsync(string idOrName, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(idOrName) || idOrName.Length > 100) throw new JobValidationException(["key: the key's id (key-...) or name, as ListApiKeys shows it"]);
        var live = (await store.ListApiKeysAsync(cancellationToken)).Where(k => k.RevokeTime is null).ToList();
        if (!live.Any(k => k.Id == idOrName) && live.Count(k => k.Name == idOrName) > 1)
        {
            throw new JobStateConflictException($"{live.Count(k => k.Name == idOrName)} live keys are named '{idOrName}'; revoke them by id ({string.Join(", ", live.Where(k => k.Name == idOrName).Select(k => k.Id))})");
        }

        var revoked = await store.RevokeApiKeysAsync(idOrName, time.GetUtcNow(), cancellationToken);
        return revoked.Count > 0 ? revoked[0] : throw new NotFoundException($"no live API key has the id or name '{idOrName}' (farmctl keys list shows them)");
    }
}
