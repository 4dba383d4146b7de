using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Api;

/// <summary>`farmctl agents forget` through the real gRPC surface, and what a disconnected agent looks like in the list.</summary>
public sealed class AgentForgetTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task ForgetAgent_AfterItStopped_LeavesTheList_WhileConnectedItIsRefused()
    {
        var agent = await _farm.StartAgentAsync("agent-a");
        var connected = await Assert.ThrowsAsync<RpcException>(() => _farm.Farm.ForgetAgentAsync(new ForgetAgentRequest { AgentId = "agent-a" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, connected.StatusCode);

        await agent.StopAsync();
        await FarmHost.WaitUntilAsync(async () => (await ListAsync()).Any(a => a.Id == "agent-a" && a.State == AgentState.Disconnected), TimeSpan.FromSeconds(20));
        var gone = (await ListAsync()).Single(a => a.Id == "agent-a");
        Assert.Empty(gone.RunningAttemptIds);

        await _farm.Farm.ForgetAgentAsync(new ForgetAgentRequest { AgentId = "agent-a" });
        Assert.DoesNotContain(await ListAsync(), a => a.Id == "agent-a");

        var unknown = await Assert.ThrowsAsync<RpcException>(() => _farm.Farm.ForgetAgentAsync(new ForgetAgentRequest { AgentId = "agent-a" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("farmctl agents", unknown.Status.Detail);
    }

    private async Task<IReadOnlyList<AgentInfo>> ListAsync() => (await _farm.Farm.ListAgentsAsync(new ListAgentsRequest())).Agents;
}
