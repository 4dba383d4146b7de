using System.Security.Cryptography;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RenderFarm.Agent.Chunking;
using RenderFarm.Agent.Media;
using RenderFarm.Agent.Transfer;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Coordinator.Transfer;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Transfer;

/// <summary>
/// Split-and-stitch jobs on agents in transfer mode (their own empty folders, no media root), with real ffmpeg
/// against a real coordinator: probe, chunks, audio and stitch all run there, the input crosses at most once per
/// agent, chunks may come as pieces the coordinator cut, and the joined file is the one shared agents make.
/// </summary>
public sealed class ChunkedTransferTests : IAsyncLifetime
{
    private static readonly OutputSettings Settings = new() { Preset = Preset.H264Delivery, FrameRateMode = FrameRateMode.Constant, FrameRate = "30" };
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync(new Dictionary<string, string?>
    {
        ["Coordinator:Chunking:MinInputDuration"] = "00:00:00",
        ["Coordinator:Transfer:ChunkBytes"] = "8192",
        // The test clip is short: a piece (seek keyframe to two keyframes past the chunk) is most of it.
        ["Coordinator:Transfer:Pieces:MaxShareOfInput"] = "0.9",
    });

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    private ChunkPieces Pieces => _farm.Services.GetRequiredService<ChunkPieces>();

    private Task<IHost> StartTransferAgentAsync(string name)
    {
        var own = Path.Combine(_farm.Root, "agents", name);
        return _farm.StartAgentAsync(name, 1, new Dictionary<string, string?>
        {
            ["Agent:Storage"] = "Transfer",
            ["Agent:MediaRoots:media"] = Path.Combine(own, "no-such-mount"),
            ["Agent:Transfer:CacheDirectory"] = Path.Combine(own, "cache"),
            ["Agent:Transfer:WorkDirectory"] = Path.Combine(own, "work"),
            ["Agent:Transfer:ChunkBytes"] = "8192",
            ["Agent:Transfer:RetryDelay"] = "00:00:00.050",
            ["Agent:LogDirectory"] = Path.Combine(own, "logs"),
            ["Agent:DataDirectory"] = own,
        });
    }

    private async Task<Job> SubmitAsync(string input, string output) => (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
    {
        Spec = new JobSpec { InputPath = input, OutputPath = output, Output = Settings, ChunkDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(1.5)) },
    })).Job;

    private async Task<Job> FinishAsync(string jobId)
    {
        var done = await _farm.WaitForJobAsync(jobId, j => j.State is JobState.Succeeded or JobState.Failed or JobState.Canceled, TimeSpan.FromMinutes(3));
        Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}");
        return done;
    }

    [Fact]
    public async Task ChunkedJob_OnlyTransferAgents_JoinsTheSameBytesAsSharedAgentsAndTheInputCrossesOncePerAgent()
    {
        var input = await TestClips.CopyAsync(TestClips.ChunkableAsync(), Path.Combine(_farm.MediaDir, "reel.mp4"));
        await _farm.StartAgentAsync("shared-a");
        var shared = await FinishAsync((await SubmitAsync(input, Path.Combine(_farm.MediaDir, "out", "shared.mp4"))).Id);
        await _farm.Farm.DrainAgentAsync(new DrainAgentRequest { AgentId = "shared-a", Reason = "only transfer agents render now" });
        await StartTransferAgentAsync("remote-b");
        await StartTransferAgentAsync("remote-c");

        var output = Path.Combine(_farm.MediaDir, "out", "remote.mp4");
        var done = await FinishAsync((await SubmitAsync(input, output)).Id);

        var ran = done.Tasks.Select(t => (t.Kind, Agent: t.Attempts.Single(a => a.Outcome == AttemptOutcome.Succeeded).AgentId)).ToList();
        Assert.All(ran, r => Assert.StartsWith("remote-", r.Agent));
        Assert.Equal(2, ran.Select(r => r.Agent).Distinct().Count());
        Assert.Contains(ran, r => r.Kind == TaskKind.Probe);
        Assert.Contains(ran, r => r.Kind == TaskKind.Stitch);
        Assert.True(done.Tasks.Count(t => t.Kind == TaskKind.Chunk) >= 3);

        // The same chunks, audio and join as on shared storage: the same file.
        Assert.Equal(Sha256(shared.Result.Path), Sha256(output));
        Assert.Equal(180, await Ffprobe.CountFramesAsync(output));
        Assert.Equal("", await Measure.DecodeErrorsAsync(output));

        // Each agent fetched the whole input at most once, however many of the job's tasks it ran; every piece once.
        foreach (var agent in new[] { "remote-b", "remote-c" })
        {
            var log = AgentLog(agent);
            Assert.InRange(Count(log, "downloading input reel.mp4 ("), 0, 1);
            var pieces = log.Split('\n').Where(l => l.Contains("downloading input piece ", StringComparison.Ordinal)).Select(l => l[l.IndexOf("piece-", StringComparison.Ordinal)..]).ToList();
            Assert.Equal(pieces.Distinct().Count(), pieces.Count);
        }

        Assert.Equal(1, ran.Count(r => r.Kind == TaskKind.Probe));
        var prober = ran.Single(r => r.Kind == TaskKind.Probe).Agent;
        Assert.True(ran.Count(r => r.Agent == prober) >= 2, "the agent that probed ran nothing else");
        Assert.Equal(1, Count(AgentLog(prober), "downloading input reel.mp4 ("));
        Assert.False(Directory.Exists(Path.Combine(_farm.MediaDir, "out", ".renderfarm-job-" + done.Id)), "the work folder is still there");
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_farm.MediaDir, "out"), ".renderfarm-*"));
    }

    [Fact]
    public async Task ChunkedJob_TransferAgentWithoutTheInput_GetsPiecesCheckedByHashAndTheJoinMatchesAWholeEncode()
    {
        var input = await TestClips.CopyAsync(TestClips.ChunkableAsync(), Path.Combine(_farm.MediaDir, "reel.mp4"));
        var remote = await StartTransferAgentAsync("remote-c");
        await _farm.Farm.DrainAgentAsync(new DrainAgentRequest { AgentId = "remote-c", Reason = "not yet" });
        await _farm.StartAgentAsync("shared-a");
        var output = Path.Combine(_farm.MediaDir, "out", "mixed.mp4");
        var job = await SubmitAsync(input, output);

        // The shared agent probes (and takes the first chunk); the transfer agent, which never saw the input, takes the rest.
        await _farm.WaitForJobAsync(job.Id, j => j.Tasks.Any(t => t.Kind == TaskKind.Chunk), TimeSpan.FromMinutes(1));
        await _farm.Farm.DrainAgentAsync(new DrainAgentRequest { AgentId = "shared-a", Reason = "the transfer agent takes over" });
        _farm.Services.GetRequiredService<TransferFaults>().DamageNextDownloadChunk();
        await _farm.Farm.ResumeAgentAsync(new ResumeAgentRequest { AgentId = "remote-c" });
        var done = await FinishAsync(job.Id);

        var remoteChunks = done.Tasks.Where(t => t.Kind == TaskKind.Chunk && t.Attempts.Single(a => a.Outcome == AttemptOutcome.Succeeded).AgentId == "remote-c").ToList();
        Assert.NotEmpty(remoteChunks);
        var log = AgentLog("remote-c");
        Assert.True(Pieces.PiecesSent >= 1, "no piece was cut");
        Assert.True(Count(log, "downloading input piece ") >= 1, "the transfer agent downloaded no piece");
        Assert.Equal(1, remote.Services.GetRequiredService<BlobDownloader>().RejectedChunks);

        Assert.Equal(180, await Ffprobe.CountFramesAsync(output));
        Assert.InRange(await Ffprobe.VideoDurationAsync(output), 6 - 1 / 30.0, 6 + 1 / 30.0);
        Assert.Equal("", await Measure.DecodeErrorsAsync(output));
        var whole = await WholeEncodeAsync(input, (int)remoteChunks[0].Chunk.GopFrames);
        var chunkedPsnr = await Measure.PsnrAsync(input, output);
        var wholePsnr = await Measure.PsnrAsync(input, whole);
        Assert.True(Math.Abs(chunkedPsnr - wholePsnr) <= 0.1, $"chunked {chunkedPsnr:0.###} dB, whole {wholePsnr:0.###} dB");
        Assert.False(Directory.Exists(Path.Combine(_farm.MediaDir, "out", ".renderfarm-job-" + done.Id)), "the work folder (with its pieces) is still there");
    }

    private string AgentLog(string agent)
    {
        var folder = Path.Combine(_farm.Root, "agents", agent, "logs");
        return Directory.Exists(folder) ? string.Join('\n', Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Select(File.ReadAllText)) : "";
    }

    private static int Count(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>The same job rendered whole by ffmpeg, with the command the agent builds and the chunks' GOP settings.</summary>
    private async Task<string> WholeEncodeAsync(string input, int gop)
    {
        var source = await MediaProbe.ProbeAsync(input, CancellationToken.None);
        PresetCatalog.TryGet(Settings.Preset, out var preset);
        var command = RenderCommandBuilder.Build(Settings, null, false, source, ".mp4", input);
        var args = command.OutputArguments.ToList();
        ChunkCommands.AddStitchable(args, preset, gop);
        var whole = Path.Combine(_farm.Root, "whole.mp4");
        await ProcessRunner.FfmpegAsync(["-i", input, .. args, "-y", whole]);
        return whole;
    }
}
