using Google.Protobuf.WellKnownTypes;
using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>
/// A split-and-stitch job on agent processes in transfer mode (no media root: every byte travels over gRPC), one of
/// which dies (kill -9, its ffmpeg with it) while it encodes a chunk.
/// </summary>
public sealed class TransferChunkLossTests(ITestOutputHelper output)
{
    /// <summary>Frames of <see cref="TestClips.LongAsync"/> (20 s at 30 fps).</summary>
    private const long LongFrames = 600;

    [Fact]
    public Task KillTransferAgent_HoldingAChunk_OnlyThatChunkRunsAgainAndTheJoinIsExact() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast with { ChunkMinInputDuration = TimeSpan.Zero }, async farm =>
        {
            var input = await FaultClips.CopyToAsync(TestClips.LongAsync(), farm.Media("in/reel-3.mp4"));
            var target = farm.Media("out/reel-3.mp4");
            var doomed = await farm.StartAgentAsync(new AgentSettings("remote-doomed") { Transfer = true, PathPrefix = farm.GatedFfmpeg("remote-doomed", 1).Folder });
            var spec = Specs.Proxy("kill a transfer chunk", input, target);
            spec.ChunkDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(4));
            var job = await farm.SubmitAsync(spec);

            static RenderTask? DoomedChunk(Job j) => j.Tasks.FirstOrDefault(t =>
                t.Kind == TaskKind.Chunk && t.State == TaskState.Running && t.Percent >= 10 && t.Attempts.Any(a => a.AgentId == "remote-doomed" && a.Outcome == AttemptOutcome.Running));
            await farm.WaitForJobAsync(job.Id, j => j.Tasks.Any(t => t.Kind == TaskKind.Chunk && t.Attempts.Any(a => a.AgentId == "remote-doomed")), TimeSpan.FromSeconds(60), "to give remote-doomed a chunk");
            await farm.StartAgentAsync(new AgentSettings("remote-survivor") { Transfer = true });
            var midway = await farm.WaitForJobAsync(job.Id, j => DoomedChunk(j) is not null, TimeSpan.FromSeconds(60), "to have remote-doomed's chunk under way");
            var lostChunk = DoomedChunk(midway)!;
            doomed.Kill();
            farm.Note($"killed remote-doomed during {lostChunk.Id} at {lostChunk.Percent:0.0} %");

            var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(180));
            Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}; {Attempts.Describe(done)}");
            var chunks = done.Tasks.Where(t => t.Kind == TaskKind.Chunk).ToList();
            Assert.True(chunks.Count >= 4, $"{chunks.Count} chunks");
            foreach (var chunk in chunks)
            {
                var outcomes = chunk.Attempts.OrderBy(a => a.StartTime.ToDateTimeOffset()).Select(a => (a.AgentId, a.Outcome)).ToList();
                if (chunk.Id == lostChunk.Id)
                {
                    Assert.Equal([("remote-doomed", AttemptOutcome.Lost), ("remote-survivor", AttemptOutcome.Succeeded)], outcomes);
                }
                else
                {
                    Assert.True(outcomes.Count == 1 && outcomes[0].Outcome == AttemptOutcome.Succeeded, $"{chunk.Id} ran {outcomes.Count} time(s): {Attempts.Describe(done)}");
                }
            }

            Assert.Equal("remote-survivor", done.Tasks.Single(t => t.Kind == TaskKind.Stitch).Attempts.Single(a => a.Outcome == AttemptOutcome.Succeeded).AgentId);
            await OutputFolder.AssertPublishedWholeAsync(target, LongFrames);
            Assert.Equal(done.Result.Sha256, await OutputFolder.Sha256Async(target));
            Assert.InRange(await Ffprobe.VideoDurationAsync(target), 20 - 1 / 30.0, 20 + 1 / 30.0);
            // The coordinator removes the job's work folder once the job's end is committed (and sweeps it again 5 s later).
            await Eventually.UntilAsync(() => !Directory.Exists(farm.Media("out/.renderfarm-job-" + done.Id)), TimeSpan.FromSeconds(20), "the job's work folder to be removed");
        });
}
