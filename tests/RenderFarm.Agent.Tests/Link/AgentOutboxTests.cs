using Microsoft.Extensions.Time.Testing;
using RenderFarm.Agent.Link;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Tests.Link;

public sealed class AgentOutboxTests
{
    private readonly FakeTimeProvider _time = new();

    private static ConnectRequest Failed(string attemptId) =>
        new() { Failed = new TaskFailed { AttemptId = attemptId, FailureClass = FailureClass.Interrupted, Message = "stop" } };

    private static ConnectRequest Beat() => new() { Heartbeat = new Heartbeat() };

    [Fact]
    public async Task CloseAsync_NotConnected_ReturnsAtOnceAndTakesNothingMore()
    {
        var outbox = new AgentOutbox(_time);

        Assert.True(await outbox.CloseAsync(TimeSpan.FromSeconds(5)));

        Assert.True(outbox.IsClosed);
        var reader = outbox.Connect();
        outbox.Post(Beat());
        Assert.False(reader.TryRead(out _));
        Assert.True(reader.Completion.IsCompleted);
    }

    [Fact]
    public async Task CloseAsync_Connected_EndsTheQueueAfterWhatIsQueuedAndWaitsForTheStreamToEnd()
    {
        var outbox = new AgentOutbox(_time);
        var reader = outbox.Connect();
        outbox.Post(Beat());
        outbox.Post(Failed("a1"));

        var closing = outbox.CloseAsync(TimeSpan.FromSeconds(5));
        outbox.Post(Beat());
        var sent = new List<ConnectRequest>();
        await foreach (var message in reader.ReadAllAsync()) sent.Add(message);

        Assert.Equal([ConnectRequest.MessageOneofCase.Heartbeat, ConnectRequest.MessageOneofCase.Failed], sent.Select(m => m.MessageCase));
        Assert.False(closing.IsCompleted);
        outbox.Disconnect();
        Assert.True(await closing);
    }

    [Fact]
    public async Task CloseAsync_StreamNeverEnds_GivesUpAfterTheWait()
    {
        var outbox = new AgentOutbox(_time);
        outbox.Connect();

        var closing = outbox.CloseAsync(TimeSpan.FromSeconds(5));
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.False(await closing);
    }

    [Fact]
    public void TryPostLive_StreamOfAnotherGeneration_IsRefused()
    {
        var outbox = new AgentOutbox(_time);
        var old = outbox.Generation;
        outbox.Connect();

        Assert.False(outbox.TryPostLive(Beat(), old));
        Assert.True(outbox.TryPostLive(Beat(), outbox.Generation));
    }

    [Fact]
    public void Forget_ReportTheCoordinatorRefused_IsNotSentAfterTheNextReconnect()
    {
        var outbox = new AgentOutbox(_time);
        outbox.Connect();
        outbox.Post(Failed("refused"));
        outbox.Post(Failed("kept"));
        outbox.Disconnect();

        outbox.Forget("refused");
        var resent = new List<ConnectRequest>();
        var reader = outbox.Connect();
        while (reader.TryRead(out var message)) resent.Add(message);

        Assert.Equal(["kept"], resent.Where(m => m.MessageCase == ConnectRequest.MessageOneofCase.Failed).Select(m => m.Failed.AttemptId));
        Assert.Equal(["kept"], outbox.PendingFinalAttemptIds);
    }
}
