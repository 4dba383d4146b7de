using System.Text;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>Reads an attempt's ffmpeg log a page at a time; the page token is the attempt and a byte offset.</summary>
public sealed class TaskLogReader(IJobStore store)
{
    public const int DefaultPageSize = 64 * 1024;
    public const int MaxPageSize = 1024 * 1024;

    public async Task<GetTaskLogResponse> ReadAsync(GetTaskLogRequest request, CancellationToken cancellationToken)
    {
        if (request.PageSize > MaxPageSize) throw new JobValidationException([$"page_size: {request.PageSize} is more than {MaxPageSize}"]);
        var job = await store.FindJobAsync(request.JobId, cancellationToken) ?? throw new JobNotFoundException(request.JobId);
        var (attemptId, offset) = request.PageToken.Length > 0 ? Decode(request.PageToken) : (await PickAttemptAsync(job, request, cancellationToken), 0L);
        var attempt = await store.FindAttemptAsync(attemptId, cancellationToken);
        if (attempt is null || attempt.JobId != job.Id)
        {
            throw request.PageToken.Length > 0
                ? new JobValidationException(["page_token: does not belong to this job; leave it empty to start at the beginning"])
                : new NotFoundException($"attempt '{attemptId}' is not an attempt of job '{job.Id}'");
        }

        var size = (int)(request.PageSize == 0 ? DefaultPageSize : request.PageSize);
        var bytes = await store.ReadLogAsync(attempt.Id, offset, size, cancellationToken);
        var whole = WholeCharacters(bytes);
        var next = offset + whole;
        return new GetTaskLogResponse
        {
            AttemptId = attempt.Id,
            Text = Encoding.UTF8.GetString(bytes, 0, whole),
            NextPageToken = Encode(attempt.Id, next),
            Complete = attempt.Outcome != AttemptOutcome.Running && next >= attempt.LogSize,
            SizeBytes = (ulong)attempt.LogSize,
        };
    }

    private async Task<string> PickAttemptAsync(JobRecord job, GetTaskLogRequest request, CancellationToken cancellationToken)
    {
        if (request.AttemptId.Length > 0) return request.AttemptId;
        var tasks = await store.GetTasksAsync(job.Id, cancellationToken);
        // The first task: the render of a one-task job, the probe of a chunked one.
        var task = request.TaskId.Length == 0
            ? tasks.FirstOrDefault(t => t.Kind == Protos.V1.TaskKind.Probe) ?? tasks.FirstOrDefault()
            : tasks.FirstOrDefault(t => t.Id == request.TaskId);
        if (task is null) throw new NotFoundException($"task '{request.TaskId}' is not a task of job '{job.Id}'");
        var attempts = await store.GetAttemptsAsync(job.Id, cancellationToken);
        return attempts.LastOrDefault(a => a.TaskId == task.Id)?.Id
            ?? throw new JobStateConflictException($"task '{task.Id}' has not started yet, so it has no log ({task.State})");
    }

    /// <summary>How many leading bytes form whole UTF-8 characters (a page never ends inside one).</summary>
    private static int WholeCharacters(byte[] bytes)
    {
        var end = bytes.Length;
        var back = 0;
        while (back < 3 && end - back - 1 >= 0 && (bytes[end - back - 1] & 0xC0) == 0x80) back++;
        if (end - back - 1 < 0) return end;
        var lead = bytes[end - back - 1];
        var length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        return back + 1 >= length ? end : end - back - 1;
    }

    private static string Encode(string attemptId, long offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{attemptId}:{offset}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (string AttemptId, long Offset) Decode(string token)
    {
        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(padded));
            var colon = text.LastIndexOf(':');
            if (colon > 0 && long.TryParse(text[(colon + 1)..], out var offset) && offset >= 0) return (text[..colon], offset);
        }
        catch (FormatException)
        {
        }

        throw new JobValidationException(["page_token: not a token from a previous GetTaskLog response; leave it empty to start at the beginning"]);
    }
}
