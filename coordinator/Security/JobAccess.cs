using Grpc.Core;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Security;

/// <summary>Editors change only the jobs they submitted; operators change any.</summary>
public static class JobAccess
{
    /// <summary>Throws PermissionDenied unless <paramref name="caller"/> may cancel or retry <paramref name="job"/>.</summary>
    public static void EnsureMayChange(Caller? caller, JobRecord job, string action)
    {
        if (caller is null || caller.Has(Role.Operator)) return;
        if (caller.Has(Role.Editor) && job.Spec.Owner.Length > 0 && job.Spec.Owner == caller.Name) return;
        var owner = job.Spec.Owner.Length > 0 ? $"'{job.Spec.Owner}'" : "no recorded owner";
        throw new RpcException(new Status(StatusCode.PermissionDenied,
            $"{caller} may {action} only the jobs it submitted; {job.Id} was submitted by {owner} (ask an operator)"));
    }
}
