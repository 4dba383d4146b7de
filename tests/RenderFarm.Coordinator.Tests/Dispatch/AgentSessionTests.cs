using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Dispatch;

/// <summary>An agent's free slots are counted from the attempts it holds, so no message can give it more work than slots.</summary>
public sealed class AgentSessionTests
{
    private static AgentSession Session(uint slots, params string[] running) =>
        new(new AgentHello { Name = "agent-a", Slots = slots, RunningAttemptIds = { running } }, DateTimeOffset.UnixEpoch);

    [Fact]
    public void FreeSlots_HelloListsRunningAttempts_TheyHoldSlotsFromTheStart()
    {
        var session = Session(2, "att-1");

        Assert.Equal(1, session.FreeSlots);
        Assert.True(session.TryTakeSlot());
        Assert.False(session.TryTakeSlot());
    }

    [Fact]
    public void RemoveRunning_TheSameAttemptTwice_FreesItsSlotOnce()
    {
        var session = Session(2, "att-1", "att-2");

        session.RemoveRunning("att-1");
        session.RemoveRunning("att-1");

        Assert.Equal(1, session.FreeSlots);
    }

    [Fact]
    public void Stopping_AttemptToldToStop_KeepsItsSlotUntilTheAgentSaysItEnded()
    {
        var session = Session(1, "att-stale");

        session.Stopping("att-stale");
        Assert.Equal(0, session.FreeSlots);
        Assert.False(session.TryTakeSlot());

        session.RemoveRunning("att-stale");
        Assert.Equal(1, session.FreeSlots);
    }

    [Fact]
    public void SlotsFreed_WithoutAnAttemptId_EndsOnlyAttemptsToldToStop()
    {
        var session = Session(2, "att-running", "att-stopping");
        session.Stopping("att-stopping");

        session.SlotsFreed(2);

        Assert.Equal(["att-running"], session.RunningAttempts);
        Assert.Equal(1, session.FreeSlots);
    }

    [Fact]
    public void TryTakeSlot_ReservationHoldsTheSlotUntilAssignedOrReturned()
    {
        var session = Session(1);

        Assert.True(session.TryTakeSlot());
        Assert.Equal(0, session.FreeSlots);
        session.ReturnSlot();
        Assert.True(session.TryTakeSlot());
        session.Assigned("att-new");

        Assert.Equal((0, 1), (session.FreeSlots, session.RunningAttempts.Count));
        Assert.False(session.TryTakeSlot());
    }

    [Fact]
    public void IsUnreachable_NoHeartbeatLongerThanTheLimit_UntilTheNextHeartbeat()
    {
        var session = Session(1);
        var limit = TimeSpan.FromSeconds(3);

        Assert.False(session.IsUnreachable(DateTimeOffset.UnixEpoch.AddSeconds(3), limit));
        Assert.True(session.IsUnreachable(DateTimeOffset.UnixEpoch.AddSeconds(3.1), limit));
        session.LastHeartbeat = DateTimeOffset.UnixEpoch.AddSeconds(3.1);
        Assert.False(session.IsUnreachable(DateTimeOffset.UnixEpoch.AddSeconds(4), limit));
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(1, 2)]
    [InlineData(5, 30)]
    public void IsUnreachable_WhenTheLeaseItCouldNotRenewRunsOut_EvenIfProgressArrivedAfterItsLastHeartbeat(int heartbeatSeconds, int leaseSeconds)
    {
        // The window a stalled link opens: the last heartbeat renewed the lease, a progress report slipped through
        // just before the stall, and the sweep ends the lease the moment it runs out. The lost task must not be
        // handed straight back down the stalled link.
        var options = new CoordinatorOptions { HeartbeatInterval = TimeSpan.FromSeconds(heartbeatSeconds), LeaseDuration = TimeSpan.FromSeconds(leaseSeconds) };
        var session = Session(2);
        var heartbeat = DateTimeOffset.UnixEpoch.AddSeconds(10);
        session.LastHeartbeat = heartbeat;
        session.LastSeen = heartbeat + options.HeartbeatInterval - TimeSpan.FromMilliseconds(1);

        var leaseRunsOut = heartbeat + options.LeaseDuration + TimeSpan.FromMilliseconds(1);

        Assert.True(session.IsUnreachable(leaseRunsOut, options.AgentSilenceLimit));
    }
}
