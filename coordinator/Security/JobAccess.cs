using Grpc.Core;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Security;

/// <summary>Editors change only the jobs they submitted; operators change any.</summary>
public static class JobAccess
{
    /// <summary>Throws PermissionDenied unless <paramref name="caller"/> may change <paramref name="job"/> (cancel, retry, pause, ...).</summary>
    public static void EnsureMayChange(Caller? caller, JobRecord job, string action)
    {
        if (Refusal(caller, job, action) is { } refused) throw new RpcException(new Status(StatusCode.PermissionDenied, refused));
    }

    /// <summary>Why <paramref name="caller"/> may not change <paramref name="job"/>, or null when it may.</summary>
    public static string? Refusal(Caller? caller, JobRecord job, string action)
    {
        if (caller is null || caller.Has(Role.Operator)) return null;
        if (caller.Has(Role.Editor) && job.Spec.Owner.Length > 0 && job.Spec.Owner == caller.Name) return null;
        var owner = job.Spec.Owner.Length > 0 ? $"'{job.Spec.Owner}'" : "no recorded owner";
        return $"{caller} may {action} only the jobs it submitted; {job.Id} was submitted by {owner} (ask an operator)";
    }
}
