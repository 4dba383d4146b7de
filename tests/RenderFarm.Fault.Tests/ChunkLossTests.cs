using Google.Protobuf.WellKnownTypes;
using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>An agent dies (kill -9, its ffmpeg with it) while it encodes one chunk of a split-and-stitch job.</summary>
public sealed class ChunkLossTests(ITestOutputHelper output)
{
    /// <summary>Frames of <see cref="TestClips.LongAsync"/> (20 s at 30 fps).</summary>
    private const long LongFrames = 600;

    [Fact]
    public Task KillAgent_HoldingAChunk_OnlyThatChunkRunsAgainAndTheJoinIsExact() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast with { ChunkMinInputDuration = TimeSpan.Zero }, async farm =>
        {
            var input = await FaultClips.CopyToAsync(TestClips.LongAsync(), farm.Media("in/reel-2.mp4"));
            var target = farm.Media("out/reel-2.mp4");
            // Real-time chunk render held at its end: whatever the machine's load, it is still in flight when killed.
            var doomed = await farm.StartAgentAsync(new AgentSettings("agent-doomed") { PathPrefix = farm.GatedFfmpeg("agent-doomed", 1).Folder });
            var spec = Specs.Proxy("kill a chunk", input, target);
            spec.ChunkDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(4));
            var job = await farm.SubmitAsync(spec);

            static RenderTask? DoomedChunk(Job j) => j.Tasks.FirstOrDefault(t =>
                t.Kind == TaskKind.Chunk && t.State == TaskState.Running && t.Percent >= 10 && t.Attempts.Any(a => a.AgentId == "agent-doomed" && a.Outcome == AttemptOutcome.Running));
            await farm.WaitForJobAsync(job.Id, j => j.Tasks.Any(t => t.Kind == TaskKind.Chunk && t.Attempts.Any(a => a.AgentId == "agent-doomed")), TimeSpan.FromSeconds(60), "to give agent-doomed a chunk");
            await farm.StartAgentAsync(new AgentSettings("agent-survivor"));
            var midway = await farm.WaitForJobAsync(job.Id, j => DoomedChunk(j) is not null, TimeSpan.FromSeconds(60), "to have agent-doomed's chunk under way");
            var lostChunk = DoomedChunk(midway)!;
            doomed.Kill();
            farm.Note($"killed agent-doomed during {lostChunk.Id} at {lostChunk.Percent:0.0} %");

            var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(120));
            Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}; {Attempts.Describe(done)}");
            var chunks = done.Tasks.Where(t => t.Kind == TaskKind.Chunk).ToList();
            Assert.True(chunks.Count >= 4, $"{chunks.Count} chunks");
            foreach (var chunk in chunks)
            {
                var outcomes = chunk.Attempts.OrderBy(a => a.StartTime.ToDateTimeOffset()).Select(a => (a.AgentId, a.Outcome)).ToList();
                if (chunk.Id == lostChunk.Id)
                {
                    Assert.Equal([("agent-doomed", AttemptOutcome.Lost), ("agent-survivor", AttemptOutcome.Succeeded)], outcomes);
                }
                else
                {
                    Assert.True(outcomes.Count == 1 && outcomes[0].Outcome == AttemptOutcome.Succeeded, $"{chunk.Id} ran {outcomes.Count} time(s): {Attempts.Describe(done)}");
                }
            }

            Assert.All(done.Tasks.Where(t => t.Kind != TaskKind.Chunk), t => Assert.Single(t.Attempts, a => a.Outcome == AttemptOutcome.Succeeded));
            await OutputFolder.AssertPublishedWholeAsync(target, LongFrames);
            Assert.Equal(done.Result.Sha256, await OutputFolder.Sha256Async(target));
            Assert.InRange(await Ffprobe.VideoDurationAsync(target), 20 - 1 / 30.0, 20 + 1 / 30.0);
        });
}
