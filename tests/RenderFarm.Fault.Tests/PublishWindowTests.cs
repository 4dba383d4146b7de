using System.Globalization;
using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>
/// The publish window: the agent dies (kill -9) the instant its output's final name appears, after the rename and
/// before the coordinator has recorded the completion. The output folder is watched (inotify) and the agent is killed
/// from the watcher's event. Every job must still succeed once: one rename of the final name, one SUCCEEDED attempt,
/// no scratch folder or upload file left, the file whole with the hash the job reports. Trials take turns: the agent is
/// restarted at once (the coordinator learns of the loss from its hello) or left dead (the lease sweep finds out).
/// For a transfer agent the coordinator renames the upload; the agent dies before it reports.
/// <c>PUBLISH_WINDOW_TRIALS</c> sets the trials per case (default 1, which still takes each turn in one case or another;
/// docs/publishing.md's figures use 20).
/// </summary>
public sealed class PublishWindowTests(ITestOutputHelper output)
{
    private static int Trials =>
        int.TryParse(Environment.GetEnvironmentVariable("PUBLISH_WINDOW_TRIALS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1;

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public Task KillAgent_TheInstantTheOutputAppears_TaskCommitsOnceWithOneRenameAndNoScratch(bool overwrite, bool transfer) =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            var input = await FaultClips.CopyToAsync(TestClips.SdrAsync(), farm.Media("in/short.mp4"));
            var (committedByCoordinator, adopted) = (0, 0);
            for (var trial = 1; trial <= Trials; trial++)
            {
                var restart = (trial + (overwrite ? 1 : 0)) % 2 == 1;
                var target = farm.Media($"out-{trial}/short-{trial}.mp4");
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                if (overwrite) await File.WriteAllTextAsync(target, "a file from before, not the farm's");

                using var watch = new FinalNameWatch(target);
                var agent = await farm.StartAgentAsync(new AgentSettings("agent-window") { Transfer = transfer });
                watch.OnFirst = agent.KillAtOnce;
                var coordinatorLines = farm.Coordinator.Lines.Count();
                var spec = Specs.Proxy($"window {trial}", input, target);
                spec.Overwrite = overwrite;
                var job = await farm.SubmitAsync(spec);

                await watch.First.WaitAsync(TimeSpan.FromSeconds(60));
                var published = await FileIdentity.ReadAsync(target);
                farm.Note($"trial {trial}: {Path.GetFileName(target)} appeared; agent killed ({published})");
                var restarted = restart ? await farm.StartAgentAsync(new AgentSettings("agent-window") { Transfer = transfer }) : null;

                var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(60));
                Assert.True(done.State == JobState.Succeeded, $"trial {trial}: job ended {done.State}: {done.Error} ({Attempts.Describe(done)})");
                var succeeded = Attempts.Of(done).Where(a => a.Outcome == AttemptOutcome.Succeeded).ToList();
                Assert.True(succeeded.Count == 1, $"trial {trial}: expected one SUCCEEDED attempt, got {Attempts.Describe(done)}");

                // Later attempts (an adopting one) must not rename again: give a stray rename time to happen.
                await Task.Delay(TimeSpan.FromSeconds(1));
                Assert.True(watch.Renames == 1, $"trial {trial}: {Path.GetFileName(target)} was renamed into place {watch.Renames} times");
                Assert.Equal(published, await FileIdentity.ReadAsync(target));
                Assert.Empty(OutputFolder.ScratchFolders(target));
                await OutputFolder.AssertPublishedWholeAsync(target, FaultClips.ShortFrames);
                Assert.Equal(done.Result.Sha256, await OutputFolder.Sha256Async(target));
                // Whoever committed, the job's result is what the agent verified (the grant carries it, even through an upload).
                Assert.Equal(((ulong)FaultClips.ShortFrames, "h264"), (done.Result.FrameCount, done.Result.VideoCodec));

                // Who committed: the completion (it left before the kill), the coordinator from the recorded grant (the kill
                // fell in the window), or a later attempt that adopted the file (one rename seen, so it did not render over it).
                var attempts = Attempts.Of(done);
                var byGrant = farm.Coordinator.Lines.Skip(coordinatorLines).Any(l => l.Contains("committed from its recorded grant", StringComparison.Ordinal));
                if (byGrant) committedByCoordinator++;
                else if (succeeded[0].Id != attempts[0].Id) adopted++;
                farm.Note($"trial {trial}: {Attempts.Describe(done)}{(byGrant ? " (committed from the grant)" : "")}");
                restarted?.Kill();
                if (restarted is not null) await AgentGoneAsync(farm);
            }

            farm.Report($"MEASURE publish window ({(transfer ? "transfer agent" : "shared storage")}, overwrite {(overwrite ? "on" : "off")}): {Trials} trials, all SUCCEEDED with one rename, one SUCCEEDED attempt " +
                $"and no scratch folder; killed before the completion was recorded: {committedByCoordinator + adopted} (committed from the recorded grant: " +
                $"{committedByCoordinator}, adopted by a later attempt: {adopted})");
        });

    /// <summary>Waits until the coordinator has seen the restarted agent go, so the next trial's agent (same name) starts afresh.</summary>
    private static Task AgentGoneAsync(FaultFarm farm) =>
        Eventually.UntilAsync(async () => (await farm.ListAgentsAsync()).All(a => a.Name != "agent-window" || a.State == AgentState.Disconnected),
            TimeSpan.FromSeconds(30), "agent-window to be gone");

    /// <summary>
    /// Watches an output's folder (inotify) for its final name being renamed into place, counts those renames, and runs
    /// <see cref="OnFirst"/> on the watcher's own thread the instant the first one is seen.
    /// </summary>
    private sealed class FinalNameWatch : IDisposable
    {
        private readonly FileSystemWatcher _watcher;
        private readonly string _name;
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _renames;

        public FinalNameWatch(string target)
        {
            _name = Path.GetFileName(target);
            _watcher = new FileSystemWatcher(Path.GetDirectoryName(target)!)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName,
                InternalBufferSize = 64 * 1024,
            };
            // A rename from the scratch folder (not watched) into this one is reported as Created; within it, as Renamed.
            _watcher.Created += (_, e) => Seen(e.Name);
            _watcher.Renamed += (_, e) => Seen(e.Name);
            _watcher.EnableRaisingEvents = true;
        }

        public Action? OnFirst { get; set; }

        public Task First => _first.Task;

        public int Renames => Volatile.Read(ref _renames);

        private void Seen(string? name)
        {
            if (name != _name) return;
            if (Interlocked.Increment(ref _renames) != 1) return;
            OnFirst?.Invoke();
            _first.TrySetResult();
        }

        public void Dispose() => _watcher.Dispose();
    }
}
