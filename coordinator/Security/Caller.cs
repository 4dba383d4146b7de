using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Security;

/// <summary>Who makes a call: a person's API key (with a role) or an enrolled agent.</summary>
public sealed record Caller(string Name, Role Role, bool IsAgent)
{
    private const string Key = "renderfarm.caller";

    public static Caller Agent(string name) => new(name, Role.Unspecified, true);

    /// <summary>True when this caller's role is at least <paramref name="role"/> (agents hold no role).</summary>
    public bool Has(Role role) => !IsAgent && Role >= role;

    /// <summary>The caller the access interceptor found for this call.</summary>
    public static Caller? Of(Grpc.Core.ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out var caller) ? caller as Caller : null;

    internal void AttachTo(Grpc.Core.ServerCallContext context) => context.UserState[Key] = this;

    public override string ToString() => IsAgent ? $"agent '{Name}'" : $"{RoleNames.Name(Role)} key '{Name}'";
}
