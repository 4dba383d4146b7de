using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Security;

/// <summary>Roles as people write them: <c>viewer</c>, <c>editor</c>, <c>operator</c>.</summary>
public static class RoleNames
{
    public static string Name(Role role) => role switch
    {
        Role.Viewer => "viewer",
        Role.Editor => "editor",
        Role.Operator => "operator",
        _ => "no role",
    };
}
