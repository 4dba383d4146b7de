using System.Text;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// Stores the ffmpeg log an agent streams for its attempts, by byte offset: a piece sent twice (after a
/// reconnect) is stored once, and a log stops growing at <see cref="CoordinatorOptions.MaxLogBytesPerAttempt"/>.
/// Logs of ended attempts are still taken from the agent that ran them; nobody else may write them.
/// </summary>
public sealed class AttemptLogs(IJobStore store, IOptions<CoordinatorOptions> options)
{
    public async Task<bool> AppendAsync(string agentId, TaskLog piece, CancellationToken cancellationToken)
    {
        if (piece.Text.Length == 0) return true;
        var bytes = Encoding.UTF8.GetBytes(piece.Text);
        return await store.InTransactionAsync(async tx =>
        {
            var attempt = await tx.FindAttemptAsync(piece.AttemptId);
            if (attempt is null || attempt.AgentId != agentId) return false;
            await tx.AppendLogAsync(attempt, (long)piece.Offset, bytes, options.Value.MaxLogBytesPerAttempt);
            return true;
        }, cancellationToken);
    }
}
