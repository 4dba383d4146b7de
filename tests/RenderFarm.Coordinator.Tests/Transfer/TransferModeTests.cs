using System.Security.Cryptography;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RenderFarm.Agent.Transfer;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Coordinator.Transfer;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Transfer;

/// <summary>
/// Agents in transfer mode (their own empty folders, no media root) rendering real clips with ffmpeg against a
/// real coordinator: inputs come down by hash, outputs go up and are published by the coordinator. Chunks are
/// 8 KiB here so that the small test clips span many of them.
/// </summary>
public sealed class TransferModeTests : IAsyncLifetime
{
    private const int Chunk = 8192;
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync(new Dictionary<string, string?> { ["Coordinator:Transfer:ChunkBytes"] = $"{Chunk}" });

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    private TransferMetrics Metrics => _farm.Services.GetRequiredService<TransferMetrics>();

    private TransferFaults Faults => _farm.Services.GetRequiredService<TransferFaults>();

    private Task<IHost> StartTransferAgentAsync(string name, long cacheLimit = 1L << 30)
    {
        var own = Path.Combine(_farm.Root, "agents", name);
        return _farm.StartAgentAsync(name, 1, new Dictionary<string, string?>
        {
            ["Agent:Storage"] = "Transfer",
            ["Agent:MediaRoots:media"] = Path.Combine(own, "no-such-mount"),
            ["Agent:Transfer:CacheDirectory"] = Path.Combine(own, "cache"),
            ["Agent:Transfer:WorkDirectory"] = Path.Combine(own, "work"),
            ["Agent:Transfer:CacheLimitBytes"] = $"{cacheLimit}",
            ["Agent:Transfer:ChunkBytes"] = $"{Chunk}",
            ["Agent:Transfer:RetryDelay"] = "00:00:00.050",
            ["Agent:LogDirectory"] = Path.Combine(own, "logs"),
            ["Agent:DataDirectory"] = own,
        });
    }

    private async Task<Job> RenderAsync(string input, string output)
    {
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { InputPath = input, OutputPath = output, Output = new OutputSettings { Preset = Preset.H264Proxy540P, FrameRateMode = FrameRateMode.Constant, FrameRate = "30" } },
        })).Job;
        var done = await _farm.WaitForJobAsync(job.Id, j => j.State is JobState.Succeeded or JobState.Failed or JobState.Canceled, TimeSpan.FromSeconds(90));
        Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}");
        return done;
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static string AgentOf(Job job) => Assert.Single(Assert.Single(job.Tasks).Attempts).AgentId;

    [Fact]
    public async Task TransferAgent_InputItNeverSaw_PublishesOutputByteIdenticalToSharedAgents()
    {
        var input = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, "take 1.mp4"));
        await _farm.StartAgentAsync("shared-a");
        var shared = await RenderAsync(input, Path.Combine(_farm.MediaDir, "shared", "take 1.mp4"));
        await _farm.Farm.DrainAgentAsync(new DrainAgentRequest { AgentId = "shared-a", Reason = "only the transfer agent renders now" });

        await StartTransferAgentAsync("remote-b");
        var output = Path.Combine(_farm.MediaDir, "remote", "take 1.mp4");
        var remote = await RenderAsync(input, output);

        Assert.Equal("shared-a", AgentOf(shared));
        Assert.Equal("remote-b", AgentOf(remote));
        Assert.Equal(output, remote.Result.Path);
        Assert.Equal(Sha256(shared.Result.Path), Sha256(output));
        Assert.Equal(Sha256(output), remote.Result.Sha256);
        Assert.Equal((long)remote.Result.FrameCount, await Ffprobe.CountFramesAsync(output));
        Assert.Equal(new FileInfo(input).Length, Metrics.BytesMoved(TransferMetrics.Download));
        Assert.Equal(new FileInfo(output).Length, Metrics.BytesMoved(TransferMetrics.Upload));
        var cached = Assert.Single(Directory.GetFiles(Path.Combine(_farm.Root, "agents", "remote-b", "cache", "blobs")));
        Assert.Equal(Sha256(input), Path.GetFileName(cached));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_farm.Root, "agents", "remote-b", "work")));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(output)!, ".renderfarm-*"));
    }

    [Fact]
    public async Task SecondJob_SameInput_GoesToTheAgentThatHasItAndMovesNoInputBytes()
    {
        var input = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, "clip.mp4"));
        await StartTransferAgentAsync("remote-a");
        await StartTransferAgentAsync("remote-b");

        var first = await RenderAsync(input, Path.Combine(_farm.MediaDir, "out", "first.mp4"));
        var downloaded = Metrics.BytesMoved(TransferMetrics.Download);
        await FarmHost.WaitUntilAsync(async () => (await _farm.Farm.ListAgentsAsync(new ListAgentsRequest())).Agents.All(a => a.FreeSlots == 1), TimeSpan.FromSeconds(10));
        var second = await RenderAsync(input, Path.Combine(_farm.MediaDir, "out", "second.mp4"));

        Assert.Equal(new FileInfo(input).Length, downloaded);
        Assert.Equal(downloaded, Metrics.BytesMoved(TransferMetrics.Download));
        Assert.Equal(AgentOf(first), AgentOf(second)); // both were idle: the one holding the input got it
        Assert.Equal(Sha256(second.Result.Path), second.Result.Sha256);
        Assert.Equal(1, Metrics.Hashed.Value / new FileInfo(input).Length);

        // The first job's attempt has ended: its lease no longer moves bytes either way.
        var ended = Assert.Single(Assert.Single(first.Tasks).Attempts);
        using var agentChannel = _farm.CreateChannel((await File.ReadAllTextAsync(_farm.CredentialFile(ended.AgentId))).Trim());
        var transfer = new TransferService.TransferServiceClient(agentChannel);
        using var upload = transfer.UploadOutput();
        await upload.RequestStream.WriteAsync(new UploadOutputRequest { AgentId = ended.AgentId, AttemptId = ended.Id, Data = Google.Protobuf.ByteString.CopyFromUtf8("stale bytes") });
        await upload.RequestStream.CompleteAsync();
        var refused = await Assert.ThrowsAsync<RpcException>(() => upload.ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal(first.Result.Sha256, Sha256(first.Result.Path));
        Assert.Empty(Directory.GetFiles(Path.Combine(_farm.MediaDir, "out"), ".renderfarm-*"));
    }

    [Fact]
    public async Task DownloadAndUpload_CutHalfway_ResumeWhereTheyStoppedAndHashesMatch()
    {
        var input = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, "clip.mp4"));
        var inputSize = new FileInfo(input).Length;
        await StartTransferAgentAsync("remote-a");
        Faults.CutNextDownloadAfter(inputSize / 2);
        Faults.CutNextUploadAfter(2 * Chunk);

        var done = await RenderAsync(input, Path.Combine(_farm.MediaDir, "out", "cut.mp4"));

        var outputSize = new FileInfo(done.Result.Path).Length;
        Assert.True(outputSize > 2 * Chunk, $"the output ({outputSize} bytes) must be longer than where the upload was cut");
        Assert.Equal(1, Metrics.Resumed.WithLabels(TransferMetrics.Download).Value);
        Assert.Equal(1, Metrics.Resumed.WithLabels(TransferMetrics.Upload).Value);
        // A resumed stream starts past 0 (that is what Resumed counts). Sent bytes include chunks lost in flight
        // when the stream broke, but a restart would have sent the first half twice.
        Assert.InRange(Metrics.BytesMoved(TransferMetrics.Download), inputSize, inputSize + (inputSize / 2) - 1);
        Assert.Equal(outputSize, Metrics.BytesMoved(TransferMetrics.Upload));
        Assert.Equal(done.Result.Sha256, Sha256(done.Result.Path));
        Assert.Equal(Sha256(input), Path.GetFileName(Assert.Single(Directory.GetFiles(Path.Combine(_farm.Root, "agents", "remote-a", "cache", "blobs")))));
        Assert.Single(Assert.Single(done.Tasks).Attempts);
    }

    [Fact]
    public async Task ChunkDamagedInTransit_IsRejectedSentAgainAndNeverUsed()
    {
        var input = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, "clip.mp4"));
        var agent = await StartTransferAgentAsync("remote-a");
        Faults.DamageNextDownloadChunk();
        Faults.DamageNextUploadChunk();

        var done = await RenderAsync(input, Path.Combine(_farm.MediaDir, "out", "damaged.mp4"));

        Assert.Equal(1, agent.Services.GetRequiredService<BlobDownloader>().RejectedChunks);
        Assert.Equal(1, Metrics.Rejected.WithLabels(TransferMetrics.Upload).Value);
        Assert.Equal(done.Result.Sha256, Sha256(done.Result.Path));
        var cached = Assert.Single(Directory.GetFiles(Path.Combine(_farm.Root, "agents", "remote-a", "cache", "blobs")));
        Assert.Equal(Sha256(input), Sha256(cached));
        Assert.Single(Assert.Single(done.Tasks).Attempts);
    }
}
