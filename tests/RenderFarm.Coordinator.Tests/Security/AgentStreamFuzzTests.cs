using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using Xunit.Abstractions;

namespace RenderFarm.Coordinator.Tests.Security;

/// <summary>
/// An enrolled agent that reports nonsense on its stream (seeded): progress, logs, publish requests, completions and
/// failures for its own live attempts and for attempts that are not its own, with numbers of every shape. The stream
/// is never ended by an internal error, and the farm keeps serving.
/// </summary>
public sealed class AgentStreamFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Seed = 7_2026;
    private const int Jobs = 24;
    private static readonly StatusCode[] Internal = [StatusCode.Internal, StatusCode.Unknown, StatusCode.DataLoss];

    private FarmHost _farm = null!;

    public async Task InitializeAsync()
    {
        _farm = await FarmHost.StartAsync();
        File.WriteAllText(Path.Combine(_farm.MediaDir, "in.mov"), "a clip");
    }

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task AgentStream_NonsenseReports_NeverEndInAnInternalError()
    {
        var random = new Random(Seed);
        for (var i = 0; i < Jobs; i++)
        {
            var spec = new JobSpec { InputPath = "in.mov", OutputPath = $"out/{i}.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P } };
            if (i % 2 == 0) spec.ChunkDuration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(2));
            await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = spec });
        }

        var access = new AccessService.AccessServiceClient(_farm.CreateChannel(null));
        var credential = (await access.EnrollAgentAsync(new EnrollAgentRequest { AgentName = "nonsense", EnrollmentToken = _farm.Credentials.EnrollmentToken })).Credential;
        using var channel = _farm.CreateChannel(credential);
        var agent = new AgentService.AgentServiceClient(channel);
        var reports = 0;
        var assignments = 0;
        for (var session = 0; session < 6; session++)
        {
            using var call = agent.Connect();
            var hello = new AgentHello { Name = "nonsense", Slots = 4, Cores = 2, FfmpegVersion = "fuzz" };
            hello.Encoders.Add("libx264");
            hello.Filters.Add("zscale");
            hello.MediaRoots.Add("media");
            await call.RequestStream.WriteAsync(new ConnectRequest { Hello = hello });
            var live = new List<string>();
            var reader = ReadAsync(call.ResponseStream, live);
            for (var step = 0; step < 150; step++)
            {
                await Task.Delay(random.Next(3) == 0 ? 5 : 0);
                string attempt;
                lock (live) attempt = live.Count > 0 && random.Next(3) > 0 ? live[random.Next(live.Count)] : Text(random);
                try
                {
                    await call.RequestStream.WriteAsync(Report(random, attempt));
                    reports++;
                }
                catch (Exception ex) when (ex is RpcException or InvalidOperationException)
                {
                    break;
                }
            }

            await call.RequestStream.CompleteAsync();
            var (status, count) = await reader;
            assignments += count;
            Assert.False(Internal.Contains(status.StatusCode), $"session {session} (seed {Seed}) ended {status.StatusCode}: {status.Detail}");
        }

        output.WriteLine($"{reports} reports, {assignments} assignments");
        Assert.True(assignments > 0, "the agent received work to report on");
        Assert.NotNull(await _farm.Farm.GetQueueStatsAsync(new GetQueueStatsRequest()));
        Assert.NotEmpty((await _farm.Jobs.ListJobsAsync(new ListJobsRequest())).Jobs);
    }

    /// <summary>Reads the stream to its end, noting assignments; the status the stream ended with.</summary>
    private static async Task<(Status Status, int Assignments)> ReadAsync(IAsyncStreamReader<ConnectResponse> responses, List<string> live)
    {
        var count = 0;
        try
        {
            while (await responses.MoveNext(CancellationToken.None))
            {
                if (responses.Current.Assignment is { } work)
                {
                    count++;
                    lock (live) live.Add(work.AttemptId);
                }
            }

            return (Status.DefaultSuccess, count);
        }
        catch (RpcException ex)
        {
            return (ex.Status, count);
        }
    }

    private static ConnectRequest Report(Random r, string attempt) => r.Next(8) switch
    {
        0 => new ConnectRequest { Progress = new TaskProgress { AttemptId = attempt, Percent = Real(r), Fps = Real(r), Speed = Real(r), Frames = (ulong)r.NextInt64() } },
        1 => new ConnectRequest { Log = new TaskLog { AttemptId = attempt, Offset = (ulong)Pick(r, 0L, 1L, r.NextInt64(), long.MaxValue), Text = Text(r) } },
        2 => new ConnectRequest { Publish = new PublishRequest { AttemptId = attempt } },
        3 => new ConnectRequest { Completed = new TaskCompleted { AttemptId = attempt, Output = Output(r) } },
        4 => new ConnectRequest { Completed = new TaskCompleted { AttemptId = attempt, Probe = Probe(r) } },
        5 => new ConnectRequest { Failed = Failed(r, attempt) },
        6 => new ConnectRequest { Heartbeat = new Heartbeat { LoadAverage = Real(r), RunningAttemptIds = { attempt, Text(r) } } },
        _ => new ConnectRequest { Slots = new SlotsAvailable { FreedSlots = (uint)Pick(r, 0, 1, 2, 64, int.MaxValue, -1) } },
    };

    private static OutputInfo Output(Random r) => new()
    {
        Path = Text(r), SizeBytes = (ulong)r.NextInt64(), DurationSeconds = Real(r), FrameCount = (ulong)Pick(r, 0L, 1L, 750L, long.MaxValue), Sha256 = Text(r),
        VideoCodec = Text(r), Width = (uint)r.Next(), Height = (uint)r.Next(), PixelFormat = Text(r),
    };

    private static ProbeResult Probe(Random r)
    {
        var probe = new ProbeResult
        {
            DurationSeconds = Real(r), FrameCount = (ulong)Pick(r, 0L, 1L, 60L, 750L, long.MaxValue), VariableFrameRate = r.Next(2) == 0,
            AverageFrameRate = Pick(r, "30/1", "0/0", "1/0", "-30/1", "", Text(r)), HasAudio = r.Next(2) == 0,
            OutputFrameRate = Pick(r, "30/1", "30000/1001", "0/0", "", Text(r)), NotChunkable = r.Next(4) == 0 ? Text(r) : "",
            LastFrameSeconds = Real(r), LastStepSeconds = Real(r),
        };
        for (var i = r.Next(0, 200); i > 0; i--)
        {
            probe.Marks.Add(new FrameMark { Index = (ulong)Pick(r, 0L, (long)i, r.NextInt64(0, 1000), long.MaxValue), TimeSeconds = Real(r), Keyframe = r.Next(3) == 0 });
        }

        return probe;
    }

    private static TaskFailed Failed(Random r, string attempt)
    {
        var failed = new TaskFailed { AttemptId = attempt, FailureClass = (FailureClass)Pick(r, 0, 1, 2, 3, 4, 5, 6, 7, -1, int.MaxValue), ExitCode = r.Next(), Message = Text(r), LogTail = Text(r) };
        for (var i = r.Next(0, 4); i > 0; i--) failed.DamagedChunks.Add((uint)Pick(r, 0, 1, 3, 1000, int.MaxValue, -1));
        return failed;
    }

    private static double Real(Random r) => Pick(r, double.NaN, double.PositiveInfinity, double.NegativeInfinity, -1, 0, 0.5, 2, 10, 100, 101, 1e308, r.NextDouble() * 20);

    private static string Text(Random r)
    {
        if (r.Next(5) == 0) return Pick(r, "", "a-000000000000", "..", "\0", "\ud800");
        var chars = new char[r.Next(8) == 0 ? r.Next(1000, 5000) : r.Next(0, 30)];
        for (var i = 0; i < chars.Length; i++) chars[i] = r.Next(4) == 0 ? (char)r.Next(0, 0xFFFF) : (char)r.Next(32, 127);
        return new string(chars);
    }

    private static T Pick<T>(Random r, params T[] values) => values[r.Next(values.Length)];
}
