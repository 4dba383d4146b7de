using Grpc.Core;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Watching;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Api;

/// <summary>FarmService over gRPC: agents, queue statistics, the farm's event stream and agent control for operators.</summary>
public sealed class FarmGrpcService(FarmStatus status, FarmWatch watch, AgentDrains drains, AgentSchedules schedules, AttemptLifecycle attempts, JobCatalog jobs, JobView view,
    Housekeeping.FarmHousekeeping housekeeping, History.ThroughputSeries throughput) : FarmService.FarmServiceBase
{
    public override async Task<ListAgentsResponse> ListAgents(ListAgentsRequest request, ServerCallContext context)
    {
        var response = new ListAgentsResponse();
        response.Agents.AddRange(await status.ListAgentsAsync(context.CancellationToken));
        return response;
    }

    public override Task<GetQueueStatsResponse> GetQueueStats(GetQueueStatsRequest request, ServerCallContext context) =>
        status.GetQueueStatsAsync(context.CancellationToken);

    public override Task WatchFarm(WatchFarmRequest request, IServerStreamWriter<FarmEvent> responseStream, ServerCallContext context) =>
        watch.RunAsync(responseStream, context.CancellationToken);

    public override async Task<DrainAgentResponse> DrainAgent(DrainAgentRequest request, ServerCallContext context)
    {
        await drains.DrainAsync(request.AgentId, Limit("reason", request.Reason, 500), context.CancellationToken);
        return new DrainAgentResponse { Agent = await status.FindAgentAsync(request.AgentId, context.CancellationToken) };
    }

    public override async Task<ResumeAgentResponse> ResumeAgent(ResumeAgentRequest request, ServerCallContext context)
    {
        await drains.ResumeAsync(request.AgentId, context.CancellationToken);
        return new ResumeAgentResponse { Agent = await status.FindAgentAsync(request.AgentId, context.CancellationToken) };
    }

    public override async Task<SetAgentScheduleResponse> SetAgentSchedule(SetAgentScheduleRequest request, ServerCallContext context)
    {
        await schedules.SetAsync(request.AgentId, request.Clear ? null : request.Schedule ?? new OperatorSchedule(), context.CancellationToken);
        return new SetAgentScheduleResponse { Agent = await status.FindAgentAsync(request.AgentId, context.CancellationToken) };
    }

    public override async Task<CancelAttemptResponse> CancelAttempt(CancelAttemptRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.AttemptId)) throw new RpcException(new Status(StatusCode.InvalidArgument, "attempt_id: is required"));
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? "canceled by an operator" : Limit("reason", request.Reason, 500);
        var jobId = await attempts.InterruptAsync(request.AttemptId, reason, context.CancellationToken);
        return new CancelAttemptResponse { Job = await view.BuildAsync(await jobs.GetAsync(jobId, context.CancellationToken), context.CancellationToken) };
    }

    public override async Task<ForgetAgentResponse> ForgetAgent(ForgetAgentRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.AgentId)) throw new RpcException(new Status(StatusCode.InvalidArgument, "agent_id: is required (the id farmctl agents shows)"));
        await housekeeping.ForgetAgentAsync(Limit("agent_id", request.AgentId, 200), context.CancellationToken);
        return new ForgetAgentResponse();
    }

    public override Task<GetThroughputResponse> GetThroughput(GetThroughputRequest request, ServerCallContext context) =>
        throughput.GetAsync(request.Window?.ToTimeSpan() ?? TimeSpan.Zero, request.Bucket?.ToTimeSpan() ?? TimeSpan.Zero, context.CancellationToken);

    private static string Limit(string field, string text, int max) =>
        text.Length <= max && !text.Any(char.IsControl) ? text
            : throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field}: at most {max} characters, no control characters"));
}
