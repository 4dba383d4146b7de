using Grpc.Core;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Support;

/// <summary>What the fake coordinator answers, and what farmctl sent it. One per test.</summary>
public sealed class FakeCoordinator
{
    public List<SubmitJobRequest> Submitted { get; } = [];

    public List<ListJobsRequest> ListRequests { get; } = [];

    /// <summary>SubmitJob answers this job with the submitted spec filled in.</summary>
    public Job SubmitReply { get; set; } = new() { Id = "job-1", State = JobState.Queued };

    /// <summary>Jobs by id for GetJob, CancelJob, RetryJob; also what WatchJob falls back to.</summary>
    public Dictionary<string, Job> Jobs { get; } = [];

    /// <summary>What WatchJob streams, in order, before it ends.</summary>
    public List<Job> WatchUpdates { get; } = [];

    /// <summary>
    /// How many WatchJob calls, from the first, end with UNAVAILABLE (as when the coordinator dies) after their first update.
    /// </summary>
    public int WatchJobBreaks { get; set; }

    /// <summary>Pause between streamed WatchJob updates.</summary>
    public TimeSpan WatchInterval { get; set; } = TimeSpan.Zero;

    /// <summary>What ListJobs pages through, newest first.</summary>
    public List<Job> JobList { get; } = [];

    public ListAgentsResponse Agents { get; set; } = new();

    public GetQueueStatsResponse Stats { get; set; } = new();

    /// <summary>What GetThroughput answers, and the requests it got.</summary>
    public GetThroughputResponse Throughput { get; set; } = new();

    public List<GetThroughputRequest> ThroughputRequests { get; } = [];

    /// <summary>GetJob answers these in turn for a job id (then keeps answering the last), before <see cref="Jobs"/>.</summary>
    public Dictionary<string, Queue<Job>> JobTimelines { get; } = [];

    /// <summary>Logs by attempt id, for GetTaskLog.</summary>
    public Dictionary<string, FakeLog> Logs { get; } = [];

    public List<GetTaskLogRequest> LogRequests { get; } = [];

    /// <summary>Thumbnails by job id (GetThumbnail answers NotFound for any other job).</summary>
    public Dictionary<string, GetThumbnailResponse> Thumbnails { get; } = [];

    public List<GetThumbnailRequest> ThumbnailRequests { get; } = [];

    /// <summary>What each WatchFarm call streams, in call order; calls past the end stay open and silent.</summary>
    public List<FarmStream> FarmStreams { get; } = [];

    public int WatchFarmCalls { get; set; }

    public List<DrainAgentRequest> DrainRequests { get; } = [];

    public List<ResumeAgentRequest> ResumeRequests { get; } = [];

    public List<SetAgentScheduleRequest> ScheduleRequests { get; } = [];

    public List<CancelAttemptRequest> CancelAttemptRequests { get; } = [];

    /// <summary>What ListWebhookDeliveries answers, and the requests it got.</summary>
    public ListWebhookDeliveriesResponse WebhookDeliveries { get; set; } = new();

    public List<ListWebhookDeliveriesRequest> WebhookRequests { get; } = [];
    /// <summary>Bulk cancels received (job control); the fake answers with <see cref="JobList"/>'s jobs whose name starts as the pattern does.</summary>
    public List<CancelJobsRequest> CancelJobsRequests { get; } = [];

    /// <summary>When set, every call fails with this status.</summary>
    public Status? Failure { get; set; }

    public void ThrowIfFailing()
    {
        if (Failure is { } failure)
        {
            throw new RpcException(failure);
        }
    }

    public Job GetJob(string id)
    {
        if (JobTimelines.TryGetValue(id, out var timeline) && timeline.Count > 0)
        {
            return timeline.Count > 1 ? timeline.Dequeue() : timeline.Peek();
        }

        return Jobs.TryGetValue(id, out var job) ? job : throw new RpcException(new Status(StatusCode.NotFound, $"job {id} not found"));
    }

    /// <summary>The job GetJob would answer next, without moving its timeline on.</summary>
    public Job PeekJob(string id) =>
        JobTimelines.TryGetValue(id, out var timeline) && timeline.Count > 0 ? timeline.Peek() : GetJob(id);

    public AgentInfo GetAgent(string id) =>
        Agents.Agents.FirstOrDefault(a => a.Id == id) ?? throw new RpcException(new Status(StatusCode.NotFound, $"agent {id} not found"));
}
