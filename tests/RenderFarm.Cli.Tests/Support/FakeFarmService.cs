using Grpc.Core;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Support;

/// <summary>A scripted FarmService answering from <see cref="FakeCoordinator"/>.</summary>
public sealed class FakeFarmService(FakeCoordinator farm) : FarmService.FarmServiceBase
{
    public override Task<ListAgentsResponse> ListAgents(ListAgentsRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        return Task.FromResult(farm.Agents);
    }

    public override Task<GetQueueStatsResponse> GetQueueStats(GetQueueStatsRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        return Task.FromResult(farm.Stats);
    }

    public override Task<GetThroughputResponse> GetThroughput(GetThroughputRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        farm.ThroughputRequests.Add(request);
        return Task.FromResult(farm.Throughput);
    }

    public override async Task WatchFarm(WatchFarmRequest request, IServerStreamWriter<FarmEvent> responseStream, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        var call = farm.WatchFarmCalls++;
        var stream = call < farm.FarmStreams.Count ? farm.FarmStreams[call] : new FarmStream([]);
        foreach (var farmEvent in stream.Events)
        {
            await responseStream.WriteAsync(farmEvent);
        }

        if (stream.HoldOpen)
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
    }

    public override Task<DrainAgentResponse> DrainAgent(DrainAgentRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        farm.DrainRequests.Add(request);
        var agent = farm.GetAgent(request.AgentId);
        agent.Draining = true;
        agent.DrainReason = request.Reason.Length > 0 ? request.Reason : "drained by an operator";
        agent.State = agent.Running.Count > 0 ? AgentState.Draining : AgentState.Drained;
        return Task.FromResult(new DrainAgentResponse { Agent = agent });
    }

    public override Task<ResumeAgentResponse> ResumeAgent(ResumeAgentRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        farm.ResumeRequests.Add(request);
        var agent = farm.GetAgent(request.AgentId);
        agent.Draining = false;
        agent.DrainReason = "";
        agent.State = agent.Running.Count > 0 ? AgentState.Busy : AgentState.Idle;
        return Task.FromResult(new ResumeAgentResponse { Agent = agent });
    }

    public override Task<SetAgentScheduleResponse> SetAgentSchedule(SetAgentScheduleRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        farm.ScheduleRequests.Add(request);
        var agent = farm.GetAgent(request.AgentId);
        agent.OperatorSchedule = request.Clear ? null : request.Schedule;
        agent.OperatorScheduleApplied = false;
        return Task.FromResult(new SetAgentScheduleResponse { Agent = agent });
    }

    public override Task<CancelAttemptResponse> CancelAttempt(CancelAttemptRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        farm.CancelAttemptRequests.Add(request);
        var job = farm.Jobs.Values.FirstOrDefault(j => j.Tasks.Any(t => t.Attempts.Any(a => a.Id == request.AttemptId)))
                  ?? throw new RpcException(new Status(StatusCode.NotFound, $"attempt {request.AttemptId} not found"));
        var task = job.Tasks.First(t => t.Attempts.Any(a => a.Id == request.AttemptId));
        var attempt = task.Attempts.First(a => a.Id == request.AttemptId);
        if (attempt.Outcome != AttemptOutcome.Running)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"attempt {attempt.Id} is not running"));
        }

        attempt.Outcome = AttemptOutcome.Canceled;
        attempt.FailureClass = FailureClass.Interrupted;
        attempt.Error = request.Reason;
        task.State = TaskState.Queued;
        job.State = JobState.Queued;
        return Task.FromResult(new CancelAttemptResponse { Job = job });
    }
}
