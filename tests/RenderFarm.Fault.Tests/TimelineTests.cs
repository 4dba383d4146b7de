using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>The task timeline of a real render: where a task's time goes, from the coordinator's and the agent's own clocks.</summary>
public sealed class TimelineTests(ITestOutputHelper output)
{
    [Fact]
    public Task RealRender_TimelineHasEveryPhaseInOrder_WithFfmpegInsideTheAttempt() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            await farm.StartAgentAsync(new AgentSettings("agent-a"));
            var input = await FaultClips.CopyToAsync(TestClips.SdrAsync(), farm.Media("in/clip.mp4"));
            var job = await farm.SubmitAsync(Specs.Proxy("timeline", input, farm.Media("out/clip.mp4")));

            var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(60));
            Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}");
            var attempt = Assert.Single(Attempts.Of(done));
            var phases = attempt.Timeline.Phases;
            farm.Report("FINDING timeline: " + string.Join(", ", phases.Select(p => $"{p.Name} {(p.EndTime.ToDateTimeOffset() - p.StartTime.ToDateTimeOffset()).TotalMilliseconds:0.0} ms")));

            // Every step of a shared-storage render, in the order the agent takes them.
            Assert.Equal(["received", "open", "adopt-check", "probe", "scratch", "ffmpeg", "verify", "sha256", "publish-grant", "rename", "cleanup", "reported"],
                phases.Select(p => p.Name));
            for (var i = 0; i < phases.Count; i++)
            {
                Assert.True(phases[i].StartTime <= phases[i].EndTime, $"{phases[i].Name} ends before it starts");
                if (i > 0) Assert.True(phases[i - 1].EndTime <= phases[i].StartTime, $"{phases[i].Name} starts before {phases[i - 1].Name} ends");
            }

            // The agent's steps lie within the attempt the coordinator recorded (one machine, one clock), and ffmpeg took real time.
            var ffmpeg = phases.Single(p => p.Name == "ffmpeg");
            Assert.True(done.CreateTime <= attempt.StartTime, "the attempt starts before the job was submitted");
            Assert.True(attempt.StartTime <= phases[0].StartTime, "the agent received the attempt before the coordinator claimed it");
            Assert.True(attempt.StartTime < ffmpeg.StartTime && ffmpeg.EndTime < attempt.EndTime, "ffmpeg ran outside the attempt's span");
            Assert.True(phases[^1].EndTime <= attempt.EndTime, "the completion was recorded before the agent reported it");
            Assert.True(ffmpeg.EndTime.ToDateTimeOffset() - ffmpeg.StartTime.ToDateTimeOffset() > TimeSpan.FromMilliseconds(50), "ffmpeg took no time");
            await OutputFolder.AssertPublishedWholeAsync(farm.Media("out/clip.mp4"), FaultClips.ShortFrames);
        });
}
