using RenderFarm.Cli.App;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Logs;

/// <summary>Reads one attempt's ffmpeg log through GetTaskLog, a page at a time.</summary>
internal sealed class AttemptLog(CommandContext context)
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
            var page = await context.Jobs.GetTaskLogAsync(request, cancellationToken: cancellationToken);
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
