using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using RenderFarm.Coordinator.Cluster;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Cluster;

/// <summary>Presence rows on a real PostgreSQL: who holds an agent, and when a silent coordinator's agents count as gone.</summary>
public sealed class AgentPresenceTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
    private PostgresJobStore _store = null!;
    private NpgsqlDataSource _dataSource = null!;
    private AgentPresenceStore _presence = null!;
    private ClusterChannel _reader = null!;
    private PostgresRemoteAgents _remote = null!;

    public async Task InitializeAsync()
    {
        _store = await DomainHarness.NewPostgresStoreAsync();
        await _store.InitializeAsync(CancellationToken.None);
        _dataSource = NpgsqlDataSource.Create(_store.ConnectionString);
        _presence = new AgentPresenceStore(_dataSource);
        _reader = new ClusterChannel(_dataSource, NullLogger<ClusterChannel>.Instance);
        _remote = new PostgresRemoteAgents(_presence, _store, _reader, Microsoft.Extensions.Options.Options.Create(new ClusterOptions { PresenceTimeout = TimeSpan.FromSeconds(15) }), _time);
    }

    public async Task DisposeAsync()
    {
        _reader.Dispose();
        await _dataSource.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Fact]
    public async Task ListAsync_CoordinatorHeartbeatGoesStale_ItsAgentsBecomeDisconnected()
    {
        var start = _time.GetUtcNow();
        await _presence.WriteAsync([Row("agent-1", "coord-a", connected: true, start)], CancellationToken.None);
        await _presence.HeartbeatAsync("coord-a", start, CancellationToken.None);

        _time.Advance(TimeSpan.FromSeconds(14));
        Assert.True(Assert.Single(await _remote.ListAsync(CancellationToken.None)).Connected);

        _time.Advance(TimeSpan.FromSeconds(2));
        var gone = Assert.Single(await _remote.ListAsync(CancellationToken.None));
        Assert.False(gone.Connected);
        Assert.Equal("agent-1", gone.Info.Name);
    }

    [Fact]
    public async Task WriteAsync_OlderConnectionFromAnotherCoordinator_DoesNotTakeTheAgentBack()
    {
        var start = _time.GetUtcNow();
        await _presence.HeartbeatAsync("coord-a", start, CancellationToken.None);
        await _presence.HeartbeatAsync("coord-b", start, CancellationToken.None);
        await _presence.WriteAsync([Row("agent-1", "coord-b", connected: true, start.AddSeconds(10))], CancellationToken.None);

        // coord-a had not yet noticed the agent's old stream die: its rewrite and then its disconnect must not win.
        await _presence.WriteAsync([Row("agent-1", "coord-a", connected: true, start)], CancellationToken.None);
        await _presence.WriteAsync([Row("agent-1", "coord-a", connected: false, start)], CancellationToken.None);

        var seen = Assert.Single(await _presence.ReadOthersAsync("coord-c", CancellationToken.None));
        Assert.Equal(("coord-b", true), (seen.Row.Coordinator, seen.Row.Connected));

        // The agent comes back to coord-a later: a newer connection wins.
        await _presence.WriteAsync([Row("agent-1", "coord-a", connected: true, start.AddSeconds(20))], CancellationToken.None);
        Assert.Equal("coord-a", Assert.Single(await _presence.ReadOthersAsync("coord-c", CancellationToken.None)).Row.Coordinator);
    }

    [Fact]
    public async Task LeaveAsync_MarksTheCoordinatorsAgentsDisconnectedAndNoOneElses()
    {
        var start = _time.GetUtcNow();
        await _presence.HeartbeatAsync("coord-a", start, CancellationToken.None);
        await _presence.HeartbeatAsync("coord-b", start, CancellationToken.None);
        await _presence.WriteAsync([Row("agent-1", "coord-a", true, start), Row("agent-2", "coord-b", true, start)], CancellationToken.None);

        await _presence.LeaveAsync("coord-a", start, CancellationToken.None);

        var agents = (await _remote.ListAsync(CancellationToken.None)).ToDictionary(a => a.Info.Name, a => a.Connected);
        Assert.Equal(new Dictionary<string, bool> { ["agent-1"] = false, ["agent-2"] = true }, agents);
    }

    private static AgentPresenceStore.Row Row(string agent, string coordinator, bool connected, DateTimeOffset connectTime) =>
        new(agent, coordinator, connected, connectTime, connectTime,
            new AgentInfo { Id = agent, Name = agent, Slots = 2, State = AgentState.Idle }.ToByteString().ToBase64());
}
