using System.Security.Authentication;
using Grpc.Core;
using RenderFarm.Agent.Hosting;

namespace RenderFarm.Agent.Link;

/// <summary>
/// Tells a refusal that waiting does not mend from a fault that does: the coordinator refused the agent's credential
/// (revoked or unknown), its enrollment token or its name (Unauthenticated, PermissionDenied), or the coordinator's
/// certificate is not trusted. For those it says what to do; the link then logs it once and retries only slowly
/// (<see cref="AgentOptions.RefusedRetryDelay"/>) instead of hammering the coordinator every few seconds.
/// </summary>
public static class LinkRefusal
{
    /// <summary>What the operator of this agent must do, or null when the error is one that retrying can mend.</summary>
    public static string? Advice(Exception error, AgentOptions options)
    {
        if (Untrusted(error) is { } tls)
        {
            return $"the coordinator's certificate is not trusted ({tls}): give its CA with Agent:CaFile" +
                (options.CaFile.Length > 0 ? $" (now {options.CaFile})" : "") + ", or check Agent:Coordinator names the coordinator's host";
        }

        if (error is not RpcException rpc) return null;
        return rpc.StatusCode switch
        {
            StatusCode.Unauthenticated or StatusCode.PermissionDenied =>
                $"the coordinator refused this agent ({rpc.StatusCode}: {rpc.Status.Detail}). If its credential was revoked or belongs to another farm, " +
                $"delete {options.CredentialFile} and start the agent with the farm's enrollment token (Agent:EnrollmentToken) to enroll again; " +
                "if the token was refused, ask the farm's operator for the current one; keep Agent:Name the name it enrolled under",
            _ => null,
        };
    }

    /// <summary>The TLS failure's message when the connection failed because the certificate was not trusted.</summary>
    private static string? Untrusted(Exception error)
    {
        for (Exception? e = error is RpcException rpc ? rpc.Status.DebugException ?? rpc : error; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException) return e.Message;
        }

        return null;
    }
}
