using System.Diagnostics;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.Transfer;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Transfer;

/// <summary>
/// What the coordinator does with files it cannot trust, for agents in transfer mode: an input that became a FIFO or
/// does not answer fails its own job and nobody else's, and an upload that is empty or not media is never published.
/// </summary>
public sealed class TransferFileAccessTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _farm is null ? Task.CompletedTask : _farm.DisposeAsync().AsTask();

    private async Task StartFarmAsync(Dictionary<string, string?>? settings = null) => _farm = await FarmHost.StartAsync(settings);

    private Task StartTransferAgentAsync(string name, long bytesPerSecond = 0)
    {
        var own = Path.Combine(_farm.Root, "agents", name);
        return _farm.StartAgentAsync(name, 1, new Dictionary<string, string?>
        {
            ["Agent:Storage"] = "Transfer",
            ["Agent:MediaRoots:media"] = Path.Combine(own, "no-such-mount"),
            ["Agent:Transfer:CacheDirectory"] = Path.Combine(own, "cache"),
            ["Agent:Transfer:WorkDirectory"] = Path.Combine(own, "work"),
            ["Agent:Transfer:BytesPerSecond"] = $"{bytesPerSecond}",
            ["Agent:Transfer:ChunkBytes"] = "8192",
            ["Agent:LogDirectory"] = Path.Combine(own, "logs"),
        });
    }

    private async Task<Job> SubmitAsync(string input, string output) =>
        (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec
            {
                InputPath = input, OutputPath = output,
                Output = new OutputSettings { Preset = Preset.H264Proxy540P, FrameRateMode = FrameRateMode.Constant, FrameRate = "30" },
            },
        })).Job;

    private Task<Job> WaitForEndAsync(string jobId) =>
        _farm.WaitForJobAsync(jobId, j => j.State is JobState.Succeeded or JobState.Failed or JobState.Canceled, TimeSpan.FromSeconds(90));

    private static async Task MakeFifoAsync(string path)
    {
        File.Delete(path);
        using var mkfifo = Process.Start("mkfifo", path);
        await mkfifo.WaitForExitAsync();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    [Fact]
    public async Task Dispatch_QueuedTransferInputBecomesFifo_FailsThatJobAsBadInputAndOthersRun()
    {
        await StartFarmAsync();
        var fifo = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, "a.mp4"));
        var good = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, "b.mp4"));
        // Both checked and queued while no agent is connected; then the first job's input becomes a FIFO nobody writes.
        var doomed = await SubmitAsync(fifo, Path.Combine(_farm.MediaDir, "out", "a.mp4"));
        var other = await SubmitAsync(good, Path.Combine(_farm.MediaDir, "out", "b.mp4"));
        await MakeFifoAsync(fifo);

        await StartTransferAgentAsync("remote-a");
        var failed = await WaitForEndAsync(doomed.Id);
        var done = await WaitForEndAsync(other.Id);

        Assert.Equal(JobState.Failed, failed.State);
        Assert.Contains("bad input", failed.Error, StringComparison.Ordinal);
        Assert.Contains("pipe", failed.Error, StringComparison.Ordinal);
        Assert.True(done.State == JobState.Succeeded, $"the other job ended {done.State}: {done.Error}");
        Assert.Equal(60, await Ffprobe.CountFramesAsync(done.Result.Path));
        Assert.False(File.Exists(Path.Combine(_farm.MediaDir, "out", "a.mp4")));
    }

    [Fact]
    public async Task Dispatch_InputNotHashedWithinFileTimeout_FailsThatJobAsBadInput()
    {
        await StartFarmAsync(new Dictionary<string, string?> { ["Coordinator:Transfer:FileTimeout"] = "00:00:00.001" });
        // 512 MiB (sparse): its hash takes far longer than a millisecond.
        var input = Path.Combine(_farm.MediaDir, "huge.mp4");
        await using (var file = File.Create(input)) file.SetLength(512L << 20);
        var job = await SubmitAsync(input, Path.Combine(_farm.MediaDir, "out", "huge.mp4"));

        await StartTransferAgentAsync("remote-a");
        var failed = await WaitForEndAsync(job.Id);

        Assert.Equal(JobState.Failed, failed.State);
        Assert.Contains("bad input", failed.Error, StringComparison.Ordinal);
        Assert.Contains("did not answer", failed.Error, StringComparison.Ordinal);
        Assert.Empty(Assert.Single(failed.Tasks).Attempts); // failed in the dispatch pass, never sent to the agent
    }

    [Fact]
    public async Task UploadOutput_EmptyOrNotMediaWithMatchingHash_IsRefusedAndNeverPublished()
    {
        await StartFarmAsync();
        var input = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, "clip.mp4"));
        var output = Path.Combine(_farm.MediaDir, "out", "clip.mp4");
        // A slow download keeps the agent's attempt live while forged uploads arrive under it.
        await StartTransferAgentAsync("remote-a", bytesPerSecond: new FileInfo(input).Length / 8);
        var job = await SubmitAsync(input, output);
        var running = await _farm.WaitForJobAsync(job.Id, j => j.Tasks.Any(t => t.Attempts.Any(a => a.Outcome == AttemptOutcome.Running)), TimeSpan.FromSeconds(30));
        var attempt = running.Tasks.SelectMany(t => t.Attempts).Single(a => a.Outcome == AttemptOutcome.Running);
        using var channel = _farm.CreateChannel((await File.ReadAllTextAsync(_farm.CredentialFile("remote-a"))).Trim());
        var transfer = new TransferService.TransferServiceClient(channel);

        var empty = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(transfer, attempt, []));
        var text = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(transfer, attempt, "not a video at all"u8.ToArray()));

        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
        Assert.Contains("empty", empty.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, text.StatusCode);
        Assert.Contains("ffprobe", text.Status.Detail, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        // The agent's own upload, of its verified render, is still published.
        var done = await WaitForEndAsync(job.Id);
        Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}");
        Assert.Equal(60, await Ffprobe.CountFramesAsync(output));
        Assert.Equal(done.Result.Sha256, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(output))));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(output)!, ".renderfarm-*"));
    }

    /// <summary>One finished upload of <paramref name="data"/>, with its true size, SHA-256 and chunk checksum.</summary>
    private static async Task UploadAsync(TransferService.TransferServiceClient transfer, Attempt attempt, byte[] data)
    {
        using var call = transfer.UploadOutput();
        await call.RequestStream.WriteAsync(new UploadOutputRequest
        {
            AgentId = attempt.AgentId, AttemptId = attempt.Id, Data = ByteString.CopyFrom(data), Checksum = ChunkChecksum.Of(data),
            Finish = true, SizeBytes = (ulong)data.Length, Sha256 = Convert.ToHexStringLower(SHA256.HashData(data)),
        });
        await call.RequestStream.CompleteAsync();
        await call.ResponseAsync;
    }
}
