using Grpc.Core;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Jobs.Control;
using RenderFarm.Coordinator.Security;
using RenderFarm.Coordinator.Thumbnails;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Api;

/// <summary>JobService over gRPC: validate the request's shape, call the catalog, map the answer.</summary>
public sealed class JobGrpcService(
    JobCatalog catalog, JobView view, JobEvents events, TaskLogReader logs, JobControl control, JobBulkChanges bulk,
    ThumbnailsOnDemand thumbnails, ThumbnailStore store)
    : JobService.JobServiceBase
{
    public override async Task<SubmitJobResponse> SubmitJob(SubmitJobRequest request, ServerCallContext context)
    {
        if (request.Spec is { } spec)
        {
            spec.Owner = Caller.Of(context)?.Name ?? "";
            (spec.RecipeName, spec.RecipeVersion, spec.BatchId) = ("", 0, ""); // set only for jobs made from a recipe
        }

        var job = await catalog.SubmitAsync(request.Spec, context.CancellationToken);
        return new SubmitJobResponse { Job = await view.BuildAsync(job, context.CancellationToken) };
    }

    public override async Task<GetJobResponse> GetJob(GetJobRequest request, ServerCallContext context)
    {
        var job = await catalog.GetAsync(RequireJobId(request.JobId), context.CancellationToken);
        return new GetJobResponse { Job = await view.BuildAsync(job, context.CancellationToken) };
    }

    public override async Task<ListJobsResponse> ListJobs(ListJobsRequest request, ServerCallContext context)
    {
        if (request.PageSize > JobCatalog.MaxPageSize)
        {
            throw Invalid($"page_size: {request.PageSize} is more than {JobCatalog.MaxPageSize}");
        }

        if (JobListFilter.Problems(request) is { Count: > 0 } problems)
        {
            throw Invalid(string.Join("; ", problems));
        }

        if (!PageToken.TryDecode(request.PageToken, out var beforeSeq))
        {
            throw Invalid("page_token: not a token from a previous ListJobs response; leave it empty for the first page");
        }

        var (jobs, next) = await catalog.ListAsync(JobListFilter.From(request), (int)request.PageSize, beforeSeq, context.CancellationToken);
        var response = new ListJobsResponse { NextPageToken = PageToken.Encode(next) };
        response.Jobs.AddRange(await view.SummariesAsync(jobs, context.CancellationToken));
        return response;
    }

    public override async Task<CancelJobResponse> CancelJob(CancelJobRequest request, ServerCallContext context)
    {
        var jobId = RequireJobId(request.JobId);
        JobAccess.EnsureMayChange(Caller.Of(context), await catalog.GetAsync(jobId, context.CancellationToken), "cancel");
        var job = await catalog.CancelAsync(jobId, context.CancellationToken);
        return new CancelJobResponse { Job = await view.BuildAsync(job, context.CancellationToken) };
    }

    public override async Task<RetryJobResponse> RetryJob(RetryJobRequest request, ServerCallContext context)
    {
        var jobId = RequireJobId(request.JobId);
        JobAccess.EnsureMayChange(Caller.Of(context), await catalog.GetAsync(jobId, context.CancellationToken), "retry");
        var job = await catalog.RetryAsync(jobId, context.CancellationToken);
        return new RetryJobResponse { Job = await view.BuildAsync(job, context.CancellationToken) };
    }

    public override async Task WatchJob(WatchJobRequest request, IServerStreamWriter<WatchJobResponse> responseStream, ServerCallContext context)
    {
        var jobId = RequireJobId(request.JobId);
        using var subscription = events.Subscribe(jobId);
        var job = await view.BuildAsync(await catalog.GetAsync(jobId, context.CancellationToken), context.CancellationToken);
        while (true)
        {
            await responseStream.WriteAsync(new WatchJobResponse { Job = job }, context.CancellationToken);
            if (JobStateRollup.IsTerminal(job.State)) return;
            await subscription.WaitAsync(context.CancellationToken);
            // Read once per change: the job with its tasks and attempts, as of one commit.
            job = (await view.FindAsync(jobId, context.CancellationToken))?.Job ?? throw new JobNotFoundException(jobId);
        }
    }

    public override Task<GetTaskLogResponse> GetTaskLog(GetTaskLogRequest request, ServerCallContext context)
    {
        RequireJobId(request.JobId);
        return logs.ReadAsync(request, context.CancellationToken);
    }

    public override async Task<SetJobPriorityResponse> SetJobPriority(SetJobPriorityRequest request, ServerCallContext context)
    {
        var jobId = await RequireMayChangeAsync(request.JobId, context, "change the priority of");
        var job = await control.SetPriorityAsync(jobId, request.Priority, context.CancellationToken);
        return new SetJobPriorityResponse { Job = await view.BuildAsync(job, context.CancellationToken) };
    }

    public override async Task<PauseJobResponse> PauseJob(PauseJobRequest request, ServerCallContext context)
    {
        var jobId = await RequireMayChangeAsync(request.JobId, context, "pause");
        if (request.Reason.Length > 500) throw Invalid("reason: is longer than 500 characters");
        var job = await control.PauseAsync(jobId, Caller.Of(context)?.Name ?? "an operator", request.Reason, context.CancellationToken);
        return new PauseJobResponse { Job = await view.BuildAsync(job, context.CancellationToken) };
    }

    public override async Task<ResumeJobResponse> ResumeJob(ResumeJobRequest request, ServerCallContext context)
    {
        var jobId = await RequireMayChangeAsync(request.JobId, context, "resume");
        var job = await control.ResumeAsync(jobId, context.CancellationToken);
        return new ResumeJobResponse { Job = await view.BuildAsync(job, context.CancellationToken) };
    }

    public override async Task<CancelJobsResponse> CancelJobs(CancelJobsRequest request, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        var outcome = await bulk.CancelAsync(request.Filter, job => JobAccess.Refusal(caller, job, "cancel"), request.DryRun, context.CancellationToken);
        var response = new CancelJobsResponse();
        response.Jobs.AddRange(await view.SummariesAsync(outcome.Changed, context.CancellationToken));
        response.Skipped.AddRange(outcome.Skipped.Select(Skipped));
        return response;
    }

    public override async Task<RetryJobsResponse> RetryJobs(RetryJobsRequest request, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        var outcome = await bulk.RetryAsync(request.Filter, job => JobAccess.Refusal(caller, job, "retry"), request.DryRun, context.CancellationToken);
        var response = new RetryJobsResponse();
        response.Jobs.AddRange(await view.SummariesAsync(outcome.Changed, context.CancellationToken));
        response.Skipped.AddRange(outcome.Skipped.Select(Skipped));
        return response;
    }

    public override async Task<GetThumbnailResponse> GetThumbnail(GetThumbnailRequest request, ServerCallContext context)
    {
        var job = await catalog.GetAsync(RequireJobId(request.JobId), context.CancellationToken);
        var kind = request.Kind == ThumbnailKind.Unspecified ? ThumbnailKind.Poster : request.Kind;
        if (!Enum.IsDefined(kind)) throw Invalid($"kind: {(int)request.Kind} is not a thumbnail kind; ask for POSTER, CONTACT_SHEET or SOURCE");
        ThumbnailStore.Thumbnail thumbnail;
        try
        {
            thumbnail = await thumbnails.GetAsync(job, kind, context.CancellationToken);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // A viewer who left while the picture was made is normal, not a server error with a stack trace.
            throw new RpcException(new Status(StatusCode.Cancelled, $"the caller stopped waiting for job '{job.Id}''s thumbnail"));
        }

        var response = new GetThumbnailResponse
        {
            Jpeg = Google.Protobuf.ByteString.CopyFrom(thumbnail.Jpeg),
            Width = (uint)thumbnail.Width,
            Height = (uint)thumbnail.Height,
            CreateTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(thumbnail.Created),
            Kind = kind,
        };
        response.Kinds.AddRange(await store.KindsAsync(job.Id, job.EndTime ?? thumbnail.Created, context.CancellationToken));
        return response;
    }

    private static SkippedJob Skipped((JobRecord Job, string Reason) s) => new() { JobId = s.Job.Id, Name = s.Job.Spec.Name, Reason = s.Reason };

    private async Task<string> RequireMayChangeAsync(string requestedId, ServerCallContext context, string action)
    {
        var jobId = RequireJobId(requestedId);
        JobAccess.EnsureMayChange(Caller.Of(context), await catalog.GetAsync(jobId, context.CancellationToken), action);
        return jobId;
    }

    private static string RequireJobId(string jobId) =>
        string.IsNullOrWhiteSpace(jobId) ? throw Invalid("job_id: is required") :
        jobId.Length > 100 ? throw Invalid("job_id: is longer than 100 characters") : jobId;

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
