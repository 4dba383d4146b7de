using System.Threading.Channels;
using Grpc.Core;
using RenderFarm.Agent.Media;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Support;

/// <summary>
/// An agent stream the test drives by hand: it says what the test tells it to (hello, slot messages, reports), keeps
/// itself heard from with heartbeats, and records everything the coordinator sends, so a test can tell exactly what the
/// coordinator did in answer to one message.
/// </summary>
internal sealed class ScriptedAgent : IAsyncDisposable
{
    private static readonly Lazy<FfmpegCapabilities> Capabilities = new(() => FfmpegCapabilities.Detect());
    private readonly AsyncDuplexStreamingCall<ConnectRequest, ConnectResponse> _call;
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly Channel<ConnectResponse> _received = Channel.CreateUnbounded<ConnectResponse>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private readonly Task _beating;
    private readonly List<string> _running;

    private ScriptedAgent(AsyncDuplexStreamingCall<ConnectRequest, ConnectResponse> call, IEnumerable<string> running)
    {
        _call = call;
        _running = [.. running];
        _reading = ReadAsync();
        _beating = BeatAsync();
    }

    /// <summary>Enrolls <paramref name="name"/> (once per farm); returns its credential.</summary>
    public static async Task<string> EnrollAsync(FarmHost farm, string name)
    {
        var access = new AccessService.AccessServiceClient(farm.CreateChannel(null));
        return (await access.EnrollAgentAsync(new EnrollAgentRequest { AgentName = name, EnrollmentToken = farm.Credentials.EnrollmentToken })).Credential;
    }

    /// <summary>Opens the stream of <paramref name="name"/> with a hello listing <paramref name="running"/>, and waits for the welcome.</summary>
    public static Task<ScriptedAgent> ConnectAsync(FarmHost farm, string credential, string name, uint slots, params string[] running) =>
        ConnectAsync(farm, credential, name, slots, _ => { }, running);

    /// <summary>As above, with the hello changed by <paramref name="shape"/> first (tags, pools, ...).</summary>
    public static async Task<ScriptedAgent> ConnectAsync(FarmHost farm, string credential, string name, uint slots, Action<AgentHello> shape, params string[] running)
    {
        var call = new AgentService.AgentServiceClient(farm.CreateChannel(null)).Connect(FarmCredentials.Headers(credential));
        var hello = new AgentHello { Name = name, Slots = slots, FfmpegVersion = Capabilities.Value.Version, StorageMode = StorageMode.Shared, MediaRoots = { "media" } };
        hello.Encoders.AddRange(Capabilities.Value.Encoders);
        hello.Filters.AddRange(Capabilities.Value.Filters);
        hello.RunningAttemptIds.AddRange(running);
        shape(hello);
        await call.RequestStream.WriteAsync(new ConnectRequest { Hello = hello });
        var agent = new ScriptedAgent(call, running);
        await agent.NextAsync(m => m.MessageCase == ConnectResponse.MessageOneofCase.Welcome, "the welcome");
        return agent;
    }

    public async Task SendAsync(ConnectRequest message)
    {
        await _writing.WaitAsync();
        try
        {
            await _call.RequestStream.WriteAsync(message);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>The next message from the coordinator that <paramref name="match"/> takes (earlier ones are skipped).</summary>
    public async Task<ConnectResponse> NextAsync(Func<ConnectResponse, bool> match, string what, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        try
        {
            while (true)
            {
                var message = await _received.Reader.ReadAsync(cts.Token);
                if (match(message)) return message;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the coordinator did not send {what}");
        }
    }

    /// <summary>Fails if the coordinator sends a message that <paramref name="match"/> takes within <paramref name="wait"/>.</summary>
    public async Task NothingAsync(Func<ConnectResponse, bool> match, string what, TimeSpan wait)
    {
        using var cts = new CancellationTokenSource(wait);
        try
        {
            while (true)
            {
                var message = await _received.Reader.ReadAsync(cts.Token);
                if (match(message)) throw new Xunit.Sdk.XunitException($"the coordinator sent {what}: {message}");
            }
        }
        catch (OperationCanceledException)
        {
            // Nothing came.
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var message in _call.ResponseStream.ReadAllAsync(_stop.Token)) _received.Writer.TryWrite(message);
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException)
        {
            // The test ended the stream.
        }
    }

    /// <summary>A heartbeat a second, listing the attempts the hello listed, so the agent never looks silent.</summary>
    private async Task BeatAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var beat = new Heartbeat();
                beat.RunningAttemptIds.AddRange(_running);
                await SendAsync(new ConnectRequest { Heartbeat = beat });
                await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException or InvalidOperationException)
        {
            // The stream ended.
        }
    }

    /// <summary>Ends the stream abruptly (the agent says nothing more), as a cut link would.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _call.Dispose();
        await _beating;
        await _reading;
        _stop.Dispose();
        _writing.Dispose();
    }
}
