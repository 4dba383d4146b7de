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

    /// <summary>Pause between streamed WatchJob updates.</summary>
    public TimeSpan WatchInterval { get; set; } = TimeSpan.Zero;

    /// <summary>What ListJobs pages through, newest first.</summary>
    public List<Job> JobList { get; } = [];

    public ListAgentsResponse Agents { get; set; } = new();

    public GetQueueStatsResponse Stats { get; set; } = new();

    /// <summary>When set, every call fails with this status.</summary>
    public Status? Failure { get; set; }

    public void ThrowIfFailing()
    {
        if (Failure is { } failure)
        {
            throw new RpcException(failure);
        }
    }

    public Job GetJob(string id) =>
        Jobs.TryGetValue(id, out var job) ? job : throw new RpcException(new Status(StatusCode.NotFound, $"job {id} not found"));
}
