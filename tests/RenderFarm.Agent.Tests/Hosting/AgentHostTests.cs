using System.Globalization;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RenderFarm.Agent.Drain;
using RenderFarm.Agent.Hosting;
using RenderFarm.Agent.Link;
using RenderFarm.Agent.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Hosting;

/// <summary>The agent as a host, over real gRPC (the test server's handler) to a <see cref="FakeCoordinator"/>.</summary>
public sealed class AgentHostTests : IAsyncLifetime
{
    private readonly TempDir _dir = new("agent-host");
    private readonly FakeCoordinator _coordinator = new();
    private InProcessCoordinator? _server;

    public async Task InitializeAsync() => _server = await InProcessCoordinator.StartAsync(_coordinator);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        _dir.Dispose();
    }

    private IHost BuildAgent(TimeSpan drainTimeout)
    {
        Directory.CreateDirectory(_dir.File("media"));
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Agent:Name"] = "host-test",
            ["Agent:MediaRoots:media"] = _dir.File("media"),
            ["Agent:LogDirectory"] = _dir.File("logs"),
            ["Agent:DataDirectory"] = _dir.File("data"),
            ["Agent:ProgressRate"] = "10",
            ["Agent:DrainTimeout"] = drainTimeout.ToString("c", CultureInfo.InvariantCulture),
        });
        builder.Services.AddAgent(builder.Configuration, _server!.Channel);
        return builder.Build();
    }

    [Fact]
    public void AddAgent_LongDrainTimeout_RaisesTheHostShutdownTimeoutPastIt()
    {
        using var agent = BuildAgent(TimeSpan.FromMinutes(10));

        var shutdown = agent.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;

        Assert.True(shutdown >= AgentDrain.Longest(TimeSpan.FromMinutes(10)), $"shutdown timeout {shutdown}");
        Assert.Equal(Path.GetFullPath(_dir.File("logs")), agent.Services.GetRequiredService<IOptions<AgentOptions>>().Value.LogDirectory);
    }

    [Fact]
    public async Task StopAsync_WhileRendering_CoordinatorGetsDrainingTheLogAndCompletedBeforeTheAgentClosesTheStream()
    {
        Directory.CreateDirectory(_dir.File("media"));
        await TestClips.CopyAsync(TestClips.LongAsync(), _dir.File("media/long.mp4"));
        using var agent = BuildAgent(TimeSpan.FromMinutes(5));
        await agent.StartAsync();
        await _coordinator.WaitForAsync(r => r.Any(m => m.MessageCase == ConnectRequest.MessageOneofCase.Hello));

        await _coordinator.ToAgent.Writer.WriteAsync(new ConnectResponse { Drain = new DrainState { Draining = true, Reason = "maintenance" } });
        await _coordinator.ToAgent.Writer.WriteAsync(new ConnectResponse
        {
            Assignment = new Assignment
            {
                AttemptId = "att-host",
                TaskId = "task-1",
                JobId = "job-1",
                Input = new MediaRef { Root = "media", Path = "long.mp4" },
                Output = new MediaRef { Root = "media", Path = "out.mp4" },
                Settings = new OutputSettings { Preset = Preset.H264Proxy540P },
            },
        });
        await _coordinator.WaitForAsync(r => r.Any(m => m.MessageCase == ConnectRequest.MessageOneofCase.Progress && m.Progress.Frames > 0));
        var session = agent.Services.GetRequiredService<LinkSession>();
        Assert.Equal((true, "maintenance"), (session.OperatorDrain.Draining, session.OperatorDrain.Reason));

        await agent.StopAsync();

        Assert.True(await _coordinator.StreamEnded.Task.WaitAsync(TimeSpan.FromSeconds(5)), "the agent tore the stream down instead of closing it");
        var received = _coordinator.Received;
        int IndexOf(Func<ConnectRequest, bool> match) => received.Select((m, i) => (m, i)).First(p => match(p.m)).i;
        var completed = IndexOf(m => m.MessageCase == ConnectRequest.MessageOneofCase.Completed && m.Completed.AttemptId == "att-host");
        Assert.True(IndexOf(m => m.MessageCase == ConnectRequest.MessageOneofCase.Draining) < completed);
        Assert.Equal(600ul, received[completed].Completed.Output.FrameCount);
        var pieces = received.Take(completed).Where(m => m.MessageCase == ConnectRequest.MessageOneofCase.Log).Select(m => m.Log).ToList();
        var log = await File.ReadAllTextAsync(_dir.File("logs/att-host.log"));
        Assert.Equal(0ul, pieces[0].Offset);
        Assert.Equal(log, string.Concat(pieces.Select(p => p.Text)));
        Assert.DoesNotContain(received.Skip(completed + 1), m => m.MessageCase is ConnectRequest.MessageOneofCase.Log or ConnectRequest.MessageOneofCase.Failed);
        Assert.True(File.Exists(_dir.File("media/out.mp4")));
    }

    [Fact]
    public async Task Drop_OfAnAttemptWhoseReportWasRefused_TheAgentForgetsTheReport_AndItsSlotMessageNamedTheAttempt()
    {
        Directory.CreateDirectory(_dir.File("media"));
        using var agent = BuildAgent(TimeSpan.FromSeconds(5));
        await agent.StartAsync();
        await _coordinator.WaitForAsync(r => r.Any(m => m.MessageCase == ConnectRequest.MessageOneofCase.Hello));
        await _coordinator.ToAgent.Writer.WriteAsync(new ConnectResponse
        {
            Assignment = new Assignment
            {
                AttemptId = "att-refused", TaskId = "task-1", JobId = "job-1",
                Input = new MediaRef { Root = "media", Path = "missing.mp4" },
                Output = new MediaRef { Root = "media", Path = "out.mp4" },
                Settings = new OutputSettings { Preset = Preset.H264Proxy540P },
            },
        });
        await _coordinator.WaitForAsync(r => r.Any(m => m.MessageCase == ConnectRequest.MessageOneofCase.Slots && m.Slots.AttemptId == "att-refused"));
        Assert.Contains(_coordinator.Received, m => m.Failed?.AttemptId == "att-refused");
        var outbox = agent.Services.GetRequiredService<AgentOutbox>();
        Assert.Contains("att-refused", outbox.PendingFinalAttemptIds);

        await _coordinator.ToAgent.Writer.WriteAsync(new ConnectResponse { Drop = new DropAttempt { AttemptId = "att-refused", Reason = "the coordinator refused this attempt's report" } });

        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (outbox.PendingFinalAttemptIds.Contains("att-refused") && waited.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        Assert.False(outbox.PendingFinalAttemptIds.Contains("att-refused"), "the refused report is still kept, to be sent again after every reconnect");
        await agent.StopAsync();
    }
}
