using System.Diagnostics;
using RenderFarm.Fault.Tests.Support;

namespace RenderFarm.Fault.Tests;

/// <summary>The coordinator cannot be reached for a while (a TCP relay's port is closed), then can again.</summary>
public sealed class UnplugTests(ITestOutputHelper output)
{
    /// <summary>
    /// docs/configuration.md: <c>Agent:ReconnectMaxDelay</c> is the "longest wait between reconnection tries". So once the
    /// coordinator can be reached again, the agent must be back within about that long, or it returns long after the
    /// coordinator did (and, after a restart, after its leases ran out). The relay's port is closed for 20 s (TCP
    /// connections refused, as when the coordinator's host is down), then opened again.
    /// </summary>
    /// <remarks>
    /// 20 s falls between the 5th and 6th tries of a gRPC channel that backs off by itself (its default connection
    /// backoff: 1 s, x1.6 per try, +/-20 %, at most 120 s); such an agent comes back 1 to 11 s after the port opens
    /// (measured: 2.5 to 7.6 s). An agent that really tries every ReconnectMaxDelay is back within about 1 s.
    /// </remarks>
    [Fact]
    public Task Unplug_ForTwentySeconds_AgentIsBackWithinReconnectMaxDelayOfTheLinkReturning() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            var maxDelay = TimeSpan.FromSeconds(1);
            var relay = farm.StartRelay("relay");
            await farm.StartAgentAsync(new AgentSettings("agent-retry") { Coordinator = relay.Address, ReconnectMaxDelay = maxDelay });
            var connections = relay.TotalConnections;

            relay.Unplug();
            await Task.Delay(TimeSpan.FromSeconds(20));
            relay.Restore();
            var restored = Stopwatch.StartNew();
            await Eventually.UntilAsync(() => relay.TotalConnections > connections, TimeSpan.FromSeconds(150), "agent-retry to connect again", pollMilliseconds: 20);
            var back = restored.Elapsed;
            await farm.WaitForAgentsAsync(["agent-retry"], TimeSpan.FromSeconds(30));
            farm.Report($"MEASURE port closed 20 s, then open -> agent connected again after {back.TotalSeconds:0.00} s (Agent:ReconnectMaxDelay {maxDelay.TotalSeconds} s)");

            Assert.True(back <= maxDelay + TimeSpan.FromSeconds(1),
                $"the coordinator was reachable again, but agent-retry (Agent:ReconnectMaxDelay {maxDelay.TotalSeconds} s) only tried again after {back.TotalSeconds:0.0} s; " +
                "its tries in the meantime failed at once with the channel's cached 'Connection refused' (see its log)");
        });
}
