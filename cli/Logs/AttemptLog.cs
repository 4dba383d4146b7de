using Grpc.Core;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Connection;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Logs;

/// <summary>
/// Reads one attempt's ffmpeg log through GetTaskLog, a page at a time. A followed log outlives its coordinator
/// (<see cref="Failover"/>): the next page is asked of the next coordinator from the same offset.
/// </summary>
internal sealed class AttemptLog(CommandContext context, Failover? failover = null)
{
    /// <summary>Bytes asked for per page; the coordinator serves at most 1 MiB.</summary>
    public const uint PageSize = 256 * 1024;

    /// <summary>Pause before asking again when a followed log has nothing new.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Reads pages from <paramref name="request"/>'s token and hands each non-empty one to <paramref name="onPage"/>.
    /// Without <paramref name="follow"/> it stops at the end of what is held now; with it, only when the log is complete.
    /// </summary>
    public async Task<GetTaskLogResponse> ReadAsync(
        GetTaskLogRequest request, bool follow, Action<GetTaskLogResponse> onPage, CancellationToken cancellationToken)
    {
        request.PageSize = PageSize;
        while (true)
        {
            GetTaskLogResponse page;
            try
            {
                page = await context.Jobs.GetTaskLogAsync(request, cancellationToken: cancellationToken);
                failover?.Reached();
            }
            catch (RpcException e) when (follow && failover is not null)
            {
                if (!await failover.RetryAsync(e, cancellationToken)) throw;
                continue;
            }

            if (page.Text.Length > 0 || page.Complete)
            {
                onPage(page);
            }

            request.PageToken = page.NextPageToken;
            request.AttemptId = page.AttemptId.Length > 0 ? page.AttemptId : request.AttemptId;
            if (page.Complete || (page.Text.Length == 0 && !follow))
            {
                return page;
            }

            if (page.Text.Length == 0)
            {
                await Task.Delay(PollInterval, context.Environment.Time, cancellationToken);
            }
        }
    }
}
