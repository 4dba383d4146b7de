using Grpc.Core;
using RenderFarm.Coordinator.Batches;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Security;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Api;

/// <summary>BatchService over gRPC: who may change a batch, then the batch catalog and view.</summary>
public sealed class BatchGrpcService(BatchCatalog catalog, BatchView view, BatchStore store, IJobStore jobs) : BatchService.BatchServiceBase
{
    public const int MaxPageSize = 500;

    /// <summary>Longest wait between two looks at a watched batch (another coordinator's commits may not be announced here).</summary>
    private static readonly TimeSpan WatchPoll = TimeSpan.FromSeconds(2);

    public override async Task<SubmitBatchResponse> SubmitBatch(SubmitBatchRequest request, ServerCallContext context)
    {
        var batch = await catalog.SubmitAsync(request, Caller.Of(context)?.Name ?? "", context.CancellationToken);
        return new SubmitBatchResponse { Batch = await view.BuildAsync(batch, context.CancellationToken) };
    }

    public override async Task<GetBatchResponse> GetBatch(GetBatchRequest request, ServerCallContext context) =>
        new() { Batch = await view.BuildAsync(await catalog.GetAsync(RequireId(request.BatchId), context.CancellationToken), context.CancellationToken) };

    public override async Task<ListBatchesResponse> ListBatches(ListBatchesRequest request, ServerCallContext context)
    {
        if (request.PageSize > MaxPageSize) throw Invalid($"page_size: {request.PageSize} is more than {MaxPageSize}");
        var response = new ListBatchesResponse();
        foreach (var batch in await store.ListAsync(request.PageSize == 0 ? 50 : (int)request.PageSize, context.CancellationToken))
        {
            response.Batches.Add(await view.BuildAsync(batch, context.CancellationToken));
        }

        return response;
    }

    /// <summary>
    /// Sends the batch, then again whenever a commit changed one of its jobs (a batch is counted from stored states only,
    /// so a job's progress, which is not stored, never wakes it) and at least every <see cref="WatchPoll"/>; a batch the
    /// same as the one last sent is not sent again.
    /// </summary>
    public override async Task WatchBatch(WatchBatchRequest request, IServerStreamWriter<WatchBatchResponse> responseStream, ServerCallContext context)
    {
        var record = await catalog.GetAsync(RequireId(request.BatchId), context.CancellationToken);
        var jobIds = (await store.JobIdsAsync(record.Id, [], BatchInputs.MaxInputs, context.CancellationToken)).ToHashSet(StringComparer.Ordinal);
        using var changed = new SemaphoreSlim(0, 1);
        void OnCommitted(StoreCommit commit)
        {
            if (!commit.ChangedJobs.Any(jobIds.Contains)) return;
            try
            {
                if (changed.CurrentCount == 0) changed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }

        jobs.Committed += OnCommitted;
        try
        {
            Batch? sent = null;
            while (true)
            {
                var batch = await view.BuildAsync(record, context.CancellationToken);
                if (!batch.Equals(sent)) await responseStream.WriteAsync(new WatchBatchResponse { Batch = batch }, context.CancellationToken);
                sent = batch;
                if (batch.State is JobState.Succeeded or JobState.Failed or JobState.Canceled) return;
                await changed.WaitAsync(WatchPoll, context.CancellationToken);
                await Task.Delay(TimeSpan.FromMilliseconds(250), context.CancellationToken); // one read for a burst of changes
            }
        }
        finally
        {
            jobs.Committed -= OnCommitted;
        }
    }

    public override async Task<CancelBatchResponse> CancelBatch(CancelBatchRequest request, ServerCallContext context)
    {
        var record = await MayChangeAsync(request.BatchId, context, "cancel");
        var canceled = await catalog.CancelAsync(record.Id, context.CancellationToken);
        return new CancelBatchResponse { Batch = await view.BuildAsync(record, context.CancellationToken), CanceledJobs = (uint)canceled };
    }

    public override async Task<RetryBatchResponse> RetryBatch(RetryBatchRequest request, ServerCallContext context)
    {
        var record = await MayChangeAsync(request.BatchId, context, "retry");
        var retried = await catalog.RetryAsync(record.Id, context.CancellationToken);
        return new RetryBatchResponse { Batch = await view.BuildAsync(record, context.CancellationToken), RetriedJobs = (uint)retried };
    }

    /// <summary>Editors change only the batches they submitted; operators change any.</summary>
    private async Task<BatchRecord> MayChangeAsync(string batchId, ServerCallContext context, string action)
    {
        var record = await catalog.GetAsync(RequireId(batchId), context.CancellationToken);
        var caller = Caller.Of(context);
        if (caller is null || caller.Has(Role.Operator) || (caller.Has(Role.Editor) && record.Owner.Length > 0 && record.Owner == caller.Name)) return record;
        throw new RpcException(new Status(StatusCode.PermissionDenied,
            $"{caller} may {action} only the batches it submitted; {record.Id} was submitted by '{record.Owner}' (ask an operator)"));
    }

    private static string RequireId(string batchId) =>
        string.IsNullOrWhiteSpace(batchId) ? throw Invalid("batch_id: is required") :
        batchId.Length > 100 ? throw Invalid("batch_id: is longer than 100 characters") : batchId;

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
