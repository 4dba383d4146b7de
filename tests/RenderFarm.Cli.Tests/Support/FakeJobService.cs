using System.Globalization;
using Grpc.Core;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Support;

/// <summary>A scripted JobService: records requests and answers from <see cref="FakeCoordinator"/>.</summary>
public sealed class FakeJobService(FakeCoordinator farm) : JobService.JobServiceBase
{
    public override Task<SubmitJobResponse> SubmitJob(SubmitJobRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        farm.Submitted.Add(request);
        var job = farm.SubmitReply.Clone();
        job.Spec = request.Spec;
        return Task.FromResult(new SubmitJobResponse { Job = job });
    }

    public override Task<GetJobResponse> GetJob(GetJobRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        return Task.FromResult(new GetJobResponse { Job = farm.GetJob(request.JobId) });
    }

    public override Task<ListJobsResponse> ListJobs(ListJobsRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        farm.ListRequests.Add(request);
        var matching = farm.JobList.Where(j => request.States.Count == 0 || request.States.Contains(j.State)).ToList();
        var start = request.PageToken.Length == 0 ? 0 : int.Parse(request.PageToken, CultureInfo.InvariantCulture);
        var size = request.PageSize == 0 ? 50 : (int)request.PageSize;
        var response = new ListJobsResponse();
        response.Jobs.AddRange(matching.Skip(start).Take(size));
        if (start + size < matching.Count)
        {
            response.NextPageToken = (start + size).ToString(CultureInfo.InvariantCulture);
        }

        return Task.FromResult(response);
    }

    public override Task<CancelJobResponse> CancelJob(CancelJobRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        var job = farm.GetJob(request.JobId);
        if (job.State is JobState.Succeeded or JobState.Failed or JobState.Canceled)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"job {job.Id} has already finished"));
        }

        job.State = JobState.Canceled;
        return Task.FromResult(new CancelJobResponse { Job = job });
    }

    public override Task<RetryJobResponse> RetryJob(RetryJobRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        var job = farm.GetJob(request.JobId);
        job.State = JobState.Queued;
        return Task.FromResult(new RetryJobResponse { Job = job });
    }

    public override Task<CancelJobsResponse> CancelJobs(CancelJobsRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        farm.CancelJobsRequests.Add(request.Clone());
        var prefix = request.Filter.NamePattern.TrimEnd('*');
        var response = new CancelJobsResponse();
        foreach (var job in farm.JobList.Where(j => j.Spec.Name.StartsWith(prefix, StringComparison.Ordinal)))
        {
            if (job.State is JobState.Succeeded or JobState.Failed or JobState.Canceled)
            {
                response.Skipped.Add(new SkippedJob { JobId = job.Id, Name = job.Spec.Name, Reason = "it is " + job.State.ToString().ToLowerInvariant() });
                continue;
            }

            var answer = job.Clone();
            if (!request.DryRun) answer.State = JobState.Canceled;
            response.Jobs.Add(answer);
        }

        return Task.FromResult(response);
    }

    public override Task<GetTaskLogResponse> GetTaskLog(GetTaskLogRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        farm.LogRequests.Add(request.Clone());
        var job = farm.PeekJob(request.JobId);
        var task = request.TaskId.Length == 0 ? job.Tasks.FirstOrDefault() : job.Tasks.FirstOrDefault(t => t.Id == request.TaskId);
        var attemptId = request.AttemptId.Length > 0 ? request.AttemptId : task?.Attempts.LastOrDefault()?.Id;
        if (attemptId is null || !farm.Logs.TryGetValue(attemptId, out var log))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"job {request.JobId} has no attempt {attemptId ?? "yet"}"));
        }

        var index = request.PageToken.Length == 0 ? 0 : int.Parse(request.PageToken, CultureInfo.InvariantCulture);
        var text = index < log.Pages.Count ? log.Pages[index] : "";
        var next = Math.Min(index + 1, log.Pages.Count);
        return Task.FromResult(new GetTaskLogResponse
        {
            AttemptId = attemptId,
            Text = text,
            NextPageToken = next.ToString(CultureInfo.InvariantCulture),
            Complete = log.Ended && next == log.Pages.Count,
            SizeBytes = (ulong)log.Pages.Take(next).Sum(p => p.Length),
        });
    }

    public override Task<GetThumbnailResponse> GetThumbnail(GetThumbnailRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        farm.ThumbnailRequests.Add(request);
        return farm.Thumbnails.TryGetValue(request.JobId, out var thumbnail)
            ? Task.FromResult(thumbnail)
            : throw new RpcException(new Status(StatusCode.NotFound, $"job '{request.JobId}' has no thumbnail yet: run farmctl thumbnail once it has succeeded"));
    }

    public override async Task WatchJob(WatchJobRequest request, IServerStreamWriter<WatchJobResponse> responseStream, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        var updates = farm.WatchUpdates.Count > 0 ? farm.WatchUpdates : [farm.GetJob(request.JobId)];
        var breaks = farm.WatchJobBreaks > 0;
        if (breaks) farm.WatchJobBreaks--;
        foreach (var job in updates)
        {
            await responseStream.WriteAsync(new WatchJobResponse { Job = job });
            if (breaks) throw new RpcException(new Status(StatusCode.Unavailable, "the coordinator went away"));
            await Task.Delay(farm.WatchInterval, context.CancellationToken);
        }
    }
}
