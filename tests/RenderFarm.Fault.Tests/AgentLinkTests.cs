using System.Diagnostics;
using System.Text.RegularExpressions;
using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Fault.Tests;

/// <summary>
/// How an agent's link and its renders behave at the edges: renders die with their agent, a restarted agent stops
/// renders left behind, short cuts cost a fraction of a second however many came before, a stalled link is found by
/// HTTP/2 keepalive, and a 1-slot agent never runs two renders after a cut longer than the lease.
/// </summary>
public sealed partial class AgentLinkTests(ITestOutputHelper output)
{
    [GeneratedRegex(@"^.*Attempt (att-[0-9a-f]+)(?:(: rendering )|: ffmpeg ended|:? published|:? failed \(| hit an agent error| stopped; nothing was published| interrupted; nothing was published)")]
    private static partial Regex AttemptLine();

    [Fact]
    public Task KillAgent_WhileRendering_NoFfmpegOfItIsAliveOneSecondLater() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            var input = await FaultClips.CopyToAsync(FaultClips.TakeAsync(), farm.Media("in/take-k.mp4"));
            var agent = await farm.StartAgentAsync(new AgentSettings("agent-killed") { PathPrefix = farm.GatedFfmpeg("agent-killed", 1).Folder });
            var job = await farm.SubmitAsync(Specs.Proxy("kill its agent", input, farm.Media("out/take-k.mp4")));
            await farm.WaitForProgressAsync(job.Id, 5, TimeSpan.FromSeconds(30));
            // Every process the agent started for the render: the launcher, the stand-in and the real ffmpeg (all named ffmpeg).
            var renders = LocalProcesses.Descendants(agent.Pid).Where(d => d.Command == "ffmpeg").ToList();
            Assert.True(renders.Count >= 2, $"expected the render's processes under the agent, found {string.Join(", ", renders)}");
            var marked = renders.Count(r => LocalProcesses.RendersOf(agent.RunningFolder).Any(m => m.Pid == r.Pid));

            agent.KillAlone();
            var killed = Stopwatch.StartNew();
            await Eventually.UntilAsync(() => !renders.Any(r => LocalProcesses.Alive(r.Pid)), TimeSpan.FromSeconds(10), "the agent's renders to die", pollMilliseconds: 20);
            var gone = killed.Elapsed;
            farm.Report($"MEASURE kill -9 of the agent alone -> its {renders.Count} render process(es) gone after {gone.TotalSeconds:0.00} s");
            Assert.True(gone < TimeSpan.FromSeconds(1), $"the render outlived its agent by {gone.TotalSeconds:0.00} s");
            Assert.True(marked >= 2, "the render's processes carry the agent's render mark, by which a restarted agent finds strays");
        });

    [Fact]
    public Task CtrlC_OnTheAgentsTerminal_TheRenderFinishesAndTheAgentDrains() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            var input = await FaultClips.CopyToAsync(FaultClips.TakeAsync(), farm.Media("in/take-c.mp4"));
            var target = farm.Media("out/take-c.mp4");
            var gate = farm.GatedFfmpeg("agent-ctrl-c", 2);
            var agent = await farm.StartAgentAsync(new AgentSettings("agent-ctrl-c") { PathPrefix = gate.Folder });
            var job = await farm.SubmitAsync(Specs.Proxy("ctrl-c", input, target));
            await farm.WaitForProgressAsync(job.Id, 5, TimeSpan.FromSeconds(30));

            // A terminal's Ctrl-C: SIGINT to every process of the agent's foreground process group.
            var group = LocalProcesses.All().Single(e => e.Pid == agent.Pid).Group;
            var signalled = LocalProcesses.Descendants(agent.Pid).Where(d => d.Group == group).Select(d => d.Pid).Append(agent.Pid).ToList();
            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", .. signalled.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))]))!)
            {
                await kill.WaitForExitAsync();
            }

            await Eventually.UntilAsync(() => agent.Lines.Any(l => l.Contains("drain", StringComparison.OrdinalIgnoreCase)), TimeSpan.FromSeconds(10), "the agent to start draining");
            gate.Release();
            var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(60));
            Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}; attempts {Attempts.Describe(done)}");
            Assert.Equal("agent-ctrl-c", Assert.Single(Attempts.Of(done)).AgentId);
            await OutputFolder.AssertPublishedWholeAsync(target, FaultClips.TakeFrames);
            await Eventually.UntilAsync(() => agent.HasExited, TimeSpan.FromSeconds(20), "the drained agent to exit");
            farm.Report($"MEASURE Ctrl-C (SIGINT to the agent's process group: {signalled.Count} process(es)) while rendering -> the render finished and was published, the agent drained and exited");
        });

    [Fact]
    public Task StartAgent_ARenderOfItsEarlierRunStillRuns_StopsIt() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            var input = await FaultClips.CopyToAsync(FaultClips.TakeAsync(), farm.Media("in/take-s.mp4"));
            var settings = new AgentSettings("agent-stray") { PathPrefix = farm.GatedFfmpeg("agent-stray", 1).Folder };
            var agent = await farm.StartAgentAsync(settings);
            var job = await farm.SubmitAsync(Specs.Proxy("leave a stray", input, farm.Media("out/take-s.mp4")));
            await farm.WaitForProgressAsync(job.Id, 5, TimeSpan.FromSeconds(30));
            var renders = LocalProcesses.RendersOf(agent.RunningFolder);
            Assert.NotEmpty(renders);

            // Everything of the agent but the render dies at once (watcher first): a render is left behind, as when the
            // agent's whole process group is killed.
            foreach (var process in LocalProcesses.Descendants(agent.Pid).Where(d => renders.All(r => r.Pid != d.Pid))) LocalProcesses.Kill(process.Pid);
            agent.KillAlone();
            await Task.Delay(TimeSpan.FromSeconds(0.5));
            Assert.True(renders.Any(r => LocalProcesses.Alive(r.Pid)), "the test meant to leave a render behind, but it died");

            var restart = Stopwatch.StartNew();
            await farm.StartAgentAsync(settings);
            await Eventually.UntilAsync(() => !renders.Any(r => LocalProcesses.Alive(r.Pid)), TimeSpan.FromSeconds(10), "the restarted agent to stop the render left behind", pollMilliseconds: 20);
            farm.Report($"MEASURE agent restarted -> the render left behind stopped {restart.Elapsed.TotalSeconds:0.00} s after the start");
            Assert.Contains(farm.Log.LinesOf("agent-stray"), l => l.Contains("left behind", StringComparison.Ordinal));
        });

    [Fact]
    public Task DropIdleAgentsLink_TenTimes_EachReconnectTakesUnderTwoSeconds() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            var relay = farm.StartRelay("relay");
            // The product's 30 s cap: only the reset after a healthy session keeps the waits short.
            await farm.StartAgentAsync(new AgentSettings("agent-idle")
            {
                Coordinator = relay.Address, ReconnectMaxDelay = TimeSpan.FromSeconds(30), ReconnectBackoffResetAfter = TimeSpan.FromSeconds(0.5),
            });
            var waits = new List<double>();
            for (var i = 0; i < 10; i++)
            {
                var connected = await ConnectTimeAsync(farm, "agent-idle");
                var healthy = connected + TimeSpan.FromSeconds(0.7) - DateTimeOffset.UtcNow;
                if (healthy > TimeSpan.Zero) await Task.Delay(healthy);
                var cutAt = DateTimeOffset.UtcNow;
                relay.Cut(refuseNew: false);
                var back = DateTimeOffset.MinValue;
                await Eventually.UntilAsync(async () => (back = await ConnectTimeAsync(farm, "agent-idle")) > cutAt,
                    TimeSpan.FromSeconds(40), $"agent-idle to reconnect after drop {i + 1}", pollMilliseconds: 25);
                waits.Add((back - cutAt).TotalSeconds);
            }

            farm.Report($"MEASURE ten drops of an idle agent's link -> reconnected after {string.Join(", ", waits.Select(w => w.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))} s (cap 30 s, healthy after 0.5 s)");
            Assert.All(waits, w => Assert.True(w < 2, $"a reconnect took {w:0.00} s: {string.Join(", ", waits)}"));
        });

    [Fact]
    public Task StallLink_AgentIsListedUnreachable_GetsNoWork_AndReconnectsWithinTenSeconds() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            var input = await FaultClips.CopyToAsync(FaultClips.TakeAsync(), farm.Media("in/take-st.mp4"));
            var relay = farm.StartRelay("relay");
            var gate = farm.GatedFfmpeg("agent-stalled", 1);
            // Two slots: one free while the link stalls, so only the unreachable rule keeps the lost task off the stalled link.
            await farm.StartAgentAsync(new AgentSettings("agent-stalled") { Coordinator = relay.Address, Slots = 2, PathPrefix = gate.Folder, KeepAlivePingDelay = TimeSpan.FromSeconds(3) });
            var job = await farm.SubmitAsync(Specs.Proxy("stall the link", input, farm.Media("out/take-st.mp4")));
            var lost = Assert.Single(Attempts.Of(await farm.WaitForProgressAsync(job.Id, 5, TimeSpan.FromSeconds(30))));

            var stalledAt = DateTimeOffset.UtcNow;
            Assert.Equal(1, relay.Stall());
            double? unreachable = null;
            var reconnected = DateTimeOffset.MinValue;
            await Eventually.UntilAsync(async () =>
            {
                var agent = (await farm.ListAgentsAsync()).Single(a => a.Name == "agent-stalled");
                if (agent.State == AgentState.Unreachable) unreachable ??= (DateTimeOffset.UtcNow - stalledAt).TotalSeconds;
                reconnected = agent.ConnectTime.ToDateTimeOffset();
                return reconnected > stalledAt && agent.State != AgentState.Disconnected;
            }, TimeSpan.FromSeconds(30), "agent-stalled to reconnect", pollMilliseconds: 50);
            var back = (reconnected - stalledAt).TotalSeconds;
            farm.Report($"MEASURE link stalled -> listed unreachable after {unreachable:0.00} s, agent reconnected after {back:0.00} s (agent keepalive 3 s + 3 s, heartbeat 1 s, lease 3 s)");
            Assert.True(back < 10, $"the agent reconnected {back:0.00} s after its link stalled");
            Assert.NotNull(unreachable);

            var handed = await farm.WaitForJobAsync(job.Id, j => Attempts.Of(j).Count >= 2, TimeSpan.FromSeconds(30), "to be handed out again");
            var again = Attempts.Of(handed)[1];
            Assert.Equal((lost.Id, AttemptOutcome.Lost), (Attempts.Of(handed)[0].Id, Attempts.Of(handed)[0].Outcome));
            Assert.True(again.StartTime.ToDateTimeOffset() >= reconnected,
                $"the lost task went back to the stalled link at {again.StartTime.ToDateTimeOffset():HH:mm:ss.fff}, before the agent reconnected at {reconnected:HH:mm:ss.fff}");
            gate.Release();
            var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(60));
            Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}; attempts {Attempts.Describe(done)}");
            Assert.Single(Attempts.Of(done), a => a.Outcome == AttemptOutcome.Lost);
        });

    [Fact]
    public Task CutLink_LongerThanLease_OneSlotAgentNeverRunsTwoRenders() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            var input = await FaultClips.CopyToAsync(FaultClips.TakeAsync(), farm.Media("in/take-1s.mp4"));
            var relay = farm.StartRelay("relay");
            var gate = farm.GatedFfmpeg("agent-one", 2);
            var agent = await farm.StartAgentAsync(new AgentSettings("agent-one") { Coordinator = relay.Address, PathPrefix = gate.Folder });
            var first = await farm.SubmitAsync(Specs.Proxy("first", input, farm.Media("out-1/first.mp4")));
            var second = await farm.SubmitAsync(Specs.Proxy("second", input, farm.Media("out-2/second.mp4")));
            await farm.WaitForProgressAsync(first.Id, 5, TimeSpan.FromSeconds(30));

            relay.Cut(refuseNew: true);
            await Task.Delay(farm.Coordinator.Settings.LeaseDuration + TimeSpan.FromSeconds(2));
            relay.Restore();
            var busiest = 0;
            using var watching = new CancellationTokenSource();
            var watcher = Task.Run(async () =>
            {
                while (!watching.IsCancellationRequested)
                {
                    var listed = (await farm.ListAgentsAsync()).SingleOrDefault(a => a.Name == "agent-one");
                    busiest = Math.Max(busiest, listed?.RunningAttemptIds.Count ?? 0);
                    await Task.Delay(50);
                }
            });

            await Eventually.UntilAsync(async () => Attempts.Of((await farm.Jobs.GetJobAsync(new GetJobRequest { JobId = first.Id })).Job).Count
                + Attempts.Of((await farm.Jobs.GetJobAsync(new GetJobRequest { JobId = second.Id })).Job).Count >= 2, TimeSpan.FromSeconds(30), "a second attempt to start");
            await Task.Delay(TimeSpan.FromSeconds(1));
            gate.Release();
            foreach (var job in new[] { first, second })
            {
                var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(90));
                Assert.True(done.State == JobState.Succeeded, $"job {job.Spec.Name} ended {done.State}: {done.Error}; attempts {Attempts.Describe(done)}");
            }

            await watching.CancelAsync();
            await watcher;

            // The agent's own log, in order: no render (ffmpeg) starts while another has not ended. (A render gives its
            // slot back when its ffmpeg ends, so the next attempt may start while the last one's output is checked.)
            var running = new HashSet<string>();
            var most = 0;
            foreach (var match in agent.Lines.Select(l => AttemptLine().Match(l)).Where(m => m.Success))
            {
                if (match.Groups[2].Success) running.Add(match.Groups[1].Value);
                else running.Remove(match.Groups[1].Value);
                most = Math.Max(most, running.Count);
            }

            farm.Report($"MEASURE 1-slot agent, cut {farm.Coordinator.Settings.LeaseDuration.TotalSeconds + 2:0} s (lease {farm.Coordinator.Settings.LeaseDuration.TotalSeconds:0} s): at most {most} render(s) running on the agent, {busiest} listed");
            Assert.Equal(1, most);
            Assert.True(busiest <= 1, $"ListAgents showed the 1-slot agent running {busiest} attempts");
        });

    private static async Task<DateTimeOffset> ConnectTimeAsync(FaultFarm farm, string name)
    {
        var agent = (await farm.ListAgentsAsync()).SingleOrDefault(a => a.Name == name);
        return agent is null || agent.State is AgentState.Disconnected ? DateTimeOffset.MinValue : agent.ConnectTime.ToDateTimeOffset();
    }
}
