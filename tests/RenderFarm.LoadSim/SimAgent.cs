using System.Collections.Concurrent;
using Grpc.Core;
using RenderFarm.Protos.V1;

namespace RenderFarm.LoadSim;

/// <summary>
/// One simulated agent: a real Connect stream (hello, heartbeats, credit), which completes every assignment
/// at once with a no-op output, or, when told to hold, keeps it running and heartbeats its lease.
/// </summary>
public sealed class SimAgent(string name, AgentService.AgentServiceClient client, AccessService.AccessServiceClient access, string enrollmentToken, Action<Assignment> onAssigned)
{
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly ConcurrentDictionary<string, byte> _held = new();
    private IClientStreamWriter<ConnectRequest>? _requests;

    /// <summary>When set, new assignments are kept running instead of completed.</summary>
    public bool Hold { get; set; }

    public TaskCompletionSource Welcomed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var enrolled = await access.EnrollAgentAsync(new EnrollAgentRequest { AgentName = name, EnrollmentToken = enrollmentToken }, cancellationToken: cancellationToken);
        using var call = client.Connect(new Metadata { { "authorization", "Bearer " + enrolled.Credential } }, cancellationToken: cancellationToken);
        _requests = call.RequestStream;
        var hello = new AgentHello { Name = name, Slots = 1, Cores = 1, FfmpegVersion = "sim", AgentVersion = "sim" };
        hello.Encoders.AddRange(["libx264", "libx265", "libsvtav1", "prores_aw", "dnxhd"]);
        hello.Filters.AddRange(["zscale", "lut3d", "colortemperature", "exposure"]);
        hello.MediaRoots.Add("media");
        await WriteAsync(new ConnectRequest { Hello = hello });
        var beats = Task.CompletedTask;
        await foreach (var message in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            switch (message.MessageCase)
            {
                case ConnectResponse.MessageOneofCase.Welcome:
                    beats = HeartbeatAsync(message.Welcome.HeartbeatInterval.ToTimeSpan(), cancellationToken);
                    Welcomed.TrySetResult();
                    break;
                case ConnectResponse.MessageOneofCase.Assignment:
                    var work = message.Assignment;
                    onAssigned(work);
                    if (Hold)
                    {
                        _held[work.AttemptId] = 0;
                        break;
                    }

                    await WriteAsync(new ConnectRequest
                    {
                        Completed = new TaskCompleted { AttemptId = work.AttemptId, Output = new OutputInfo { Path = "sim", FrameCount = 1, DurationSeconds = 0.04, SizeBytes = 1 } },
                    });
                    await WriteAsync(new ConnectRequest { Slots = new SlotsAvailable { FreedSlots = 1 } });
                    break;
            }
        }

        await beats;
    }

    private async Task HeartbeatAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * interval.TotalMilliseconds), cancellationToken);
            using var timer = new PeriodicTimer(interval);
            do
            {
                var beat = new Heartbeat();
                beat.RunningAttemptIds.AddRange(_held.Keys);
                await WriteAsync(new ConnectRequest { Heartbeat = beat });
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException or InvalidOperationException)
        {
        }
    }

    private async Task WriteAsync(ConnectRequest request)
    {
        await _write.WaitAsync();
        try
        {
            await _requests!.WriteAsync(request);
        }
        finally
        {
            _write.Release();
        }
    }
}
