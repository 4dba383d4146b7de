using Google.Protobuf;
using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using Xunit.Abstractions;

namespace RenderFarm.Coordinator.Tests.Security;

/// <summary>
/// Random and hostile requests (seeded) to every RPC other than SubmitJob, through the real gRPC surface with the
/// caller each RPC is meant for: job and task ids, page tokens and sizes, agent names, key names, roles, attempt ids,
/// blob hashes, offsets and upload messages. Every answer is OK or a refusal with a message, never Internal or Unknown.
/// </summary>
public sealed class RpcFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Seed = 20_2026;
    private const int Rounds = 1200;
    private static readonly StatusCode[] Internal = [StatusCode.Internal, StatusCode.Unknown, StatusCode.DataLoss, StatusCode.Unimplemented];

    private FarmHost _farm = null!;
    private string _agentKey = null!;
    private string _jobId = null!;

    public async Task InitializeAsync()
    {
        _farm = await FarmHost.StartAsync();
        File.WriteAllText(Path.Combine(_farm.MediaDir, "in.mov"), "a clip");
        _jobId = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { InputPath = "in.mov", OutputPath = "out.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P } },
        })).Job.Id;
        var access = new AccessService.AccessServiceClient(_farm.CreateChannel(null));
        _agentKey = (await access.EnrollAgentAsync(new EnrollAgentRequest { AgentName = "fuzz-agent", EnrollmentToken = _farm.Credentials.EnrollmentToken })).Credential;
    }

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task EveryRpc_RandomAndHostileInputs_NeverInternal()
    {
        var random = new Random(Seed);
        var jobs = _farm.Jobs;
        var farm = _farm.Farm;
        var access = new AccessService.AccessServiceClient(_farm.Channel);
        var anonymous = new AccessService.AccessServiceClient(_farm.CreateChannel(null));
        using var agentChannel = _farm.CreateChannel(_agentKey);
        var transfer = new TransferService.TransferServiceClient(agentChannel);
        var statuses = new Dictionary<string, int>();
        for (var i = 0; i < Rounds; i++)
        {
            var r = random;
            var (name, call) = r.Next(17) switch
            {
                0 => ("GetJob", (Func<Task>)(() => jobs.GetJobAsync(new GetJobRequest { JobId = Id(r) }).ResponseAsync)),
                1 => ("ListJobs", () => jobs.ListJobsAsync(ListJobs(r)).ResponseAsync),
                2 => ("CancelJob", () => jobs.CancelJobAsync(new CancelJobRequest { JobId = Id(r) }).ResponseAsync),
                3 => ("RetryJob", () => jobs.RetryJobAsync(new RetryJobRequest { JobId = Id(r) }).ResponseAsync),
                4 => ("WatchJob", () => FirstAsync(jobs.WatchJob(new WatchJobRequest { JobId = Id(r) }).ResponseStream)),
                5 => ("GetTaskLog", () => jobs.GetTaskLogAsync(new GetTaskLogRequest { JobId = Id(r), TaskId = Text(r), AttemptId = Text(r), PageSize = Size(r), PageToken = Token(r) }).ResponseAsync),
                6 => ("DrainAgent", () => farm.DrainAgentAsync(new DrainAgentRequest { AgentId = Text(r), Reason = Text(r) }).ResponseAsync),
                7 => ("ResumeAgent", () => farm.ResumeAgentAsync(new ResumeAgentRequest { AgentId = Text(r) }).ResponseAsync),
                8 => ("CancelAttempt", () => farm.CancelAttemptAsync(new CancelAttemptRequest { AttemptId = Text(r), Reason = Text(r) }).ResponseAsync),
                9 => ("EnrollAgent", () => anonymous.EnrollAgentAsync(new EnrollAgentRequest { AgentName = Text(r), EnrollmentToken = r.Next(3) == 0 ? _farm.Credentials.EnrollmentToken : Text(r) }).ResponseAsync),
                10 => ("CreateApiKey", () => access.CreateApiKeyAsync(new CreateApiKeyRequest { Name = Text(r), Role = (Role)Number(r) }).ResponseAsync),
                11 => ("RevokeApiKey", () => access.RevokeApiKeyAsync(new RevokeApiKeyRequest { Key = Text(r) }).ResponseAsync),
                12 => ("RevokeAgent", () => access.RevokeAgentAsync(new RevokeAgentRequest { AgentName = "x" + Text(r) }).ResponseAsync),
                13 => ("DownloadBlob", () => DrainAsync(transfer.DownloadBlob(new DownloadBlobRequest { AgentId = Agent(r), AttemptId = Text(r), Sha256 = Text(r), Offset = (ulong)r.NextInt64() }).ResponseStream)),
                14 => ("GetUploadStatus", () => transfer.GetUploadStatusAsync(new GetUploadStatusRequest { AgentId = Agent(r), AttemptId = Text(r) }).ResponseAsync),
                15 => ("UploadOutput", () => UploadAsync(transfer, r)),
                _ => ("ListAgents", () => farm.ListAgentsAsync(new ListAgentsRequest()).ResponseAsync),
            };

            var status = StatusCode.OK;
            try
            {
                await call();
            }
            catch (RpcException ex)
            {
                status = ex.StatusCode;
                Assert.False(Internal.Contains(status), $"round {i} (seed {Seed}) {name} got {status}: {ex.Status.Detail}");
                Assert.False(string.IsNullOrWhiteSpace(ex.Status.Detail), $"round {i}: {name} {status} without a message");
            }

            var key = $"{name} {status}";
            statuses[key] = statuses.GetValueOrDefault(key) + 1;
        }

        output.WriteLine(string.Join("\n", statuses.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}: {s.Value}")));
        Assert.NotNull(await farm.GetQueueStatsAsync(new GetQueueStatsRequest()));
        Assert.Equal(_jobId, (await jobs.GetJobAsync(new GetJobRequest { JobId = _jobId })).Job.Id);
    }

    private string Id(Random r) => r.Next(4) == 0 ? _jobId : Text(r);

    private static string Agent(Random r) => r.Next(2) == 0 ? "fuzz-agent" : Text(r);

    private static ListJobsRequest ListJobs(Random r)
    {
        var request = new ListJobsRequest { PageSize = Size(r), PageToken = Token(r) };
        for (var i = r.Next(4); i > 0; i--) request.States.Add((JobState)Number(r));
        return request;
    }

    private static uint Size(Random r) => (uint)Pick(r, 0, 1, 50, 500, 501, 1 << 20, (1 << 20) + 1, int.MaxValue, -1);

    private static string Token(Random r) => r.Next(4) switch
    {
        0 => "",
        1 => Convert.ToBase64String(RandomBytes(r, r.Next(0, 64))),
        2 => Pick(r, "AAAA", "////", "=", "a-1:-5", "a-1:99999999999999999999", "eyJ9", "%%%"),
        _ => Text(r),
    };

    private static async Task FirstAsync<T>(IAsyncStreamReader<T> stream)
    {
        using var soon = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await stream.MoveNext(soon.Token);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && soon.IsCancellationRequested)
        {
            // Still watching; what matters is that it did not fail.
        }
    }

    private static async Task DrainAsync<T>(IAsyncStreamReader<T> stream)
    {
        while (await stream.MoveNext(CancellationToken.None))
        {
        }
    }

    private static async Task UploadAsync(TransferService.TransferServiceClient transfer, Random r)
    {
        using var call = transfer.UploadOutput();
        try
        {
            for (var i = r.Next(0, 4); i > 0; i--)
            {
                await call.RequestStream.WriteAsync(new UploadOutputRequest
                {
                    AgentId = Agent(r), AttemptId = Text(r), Offset = (ulong)r.NextInt64(), Data = ByteString.CopyFrom(RandomBytes(r, r.Next(0, 256))),
                    Checksum = (ulong)r.NextInt64(), Finish = r.Next(2) == 0, SizeBytes = (ulong)r.NextInt64(), Sha256 = Text(r),
                });
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // The coordinator ended the call early; its status is read below.
        }

        await call.ResponseAsync;
    }

    private static byte[] RandomBytes(Random r, int length)
    {
        var bytes = new byte[length];
        r.NextBytes(bytes);
        return bytes;
    }

    private static string Text(Random r)
    {
        if (r.Next(6) == 0) return Pick(r, "", " ", "..", "../../etc/passwd", "a-000000000000", "fuzz-agent", "\0", "'; DROP TABLE jobs; --", "%s%n", "\ud800");
        var length = r.Next(8) == 0 ? r.Next(1000, 5000) : r.Next(0, 40);
        var chars = new char[length];
        for (var i = 0; i < length; i++) chars[i] = r.Next(4) == 0 ? (char)r.Next(0, 0xFFFF) : (char)r.Next(32, 127);
        return new string(chars);
    }

    private static int Number(Random r) => Pick(r, int.MinValue, int.MaxValue, -1, 0, 1, 2, 3, 4, 5, 100);

    private static T Pick<T>(Random r, params T[] values) => values[r.Next(values.Length)];
}
