using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using RenderFarm.Agent.Drain;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Hosting;
using RenderFarm.Agent.Link;
using RenderFarm.Agent.Logs;
using RenderFarm.Agent.Tests.Execution;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Support;

/// <summary>
/// The agent's working parts (outbox, attempt logs, runner with the real render pipeline, drain) on a fake clock,
/// with an <see cref="OutboxRecorder"/> in place of the coordinator link and a media root in a temp folder.
/// </summary>
internal sealed class AgentRig : IAsyncDisposable
{
    public AgentRig(string name, Action<AgentOptions>? configure = null)
    {
        Dir = new TempDir(name);
        Media = Directory.CreateDirectory(Dir.File("media")).FullName;
        Options = new AgentOptions { Name = "rig", MediaRoots = new() { ["media"] = Media }, LogDirectory = Dir.File("logs"), ProgressRate = 10 };
        configure?.Invoke(Options);
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        Outbox = new AgentOutbox(Time);
        Logs = new AttemptLogs(Outbox, options, Time, NullLogger<AttemptLogs>.Instance);
        Runner = new AttemptRunner(new RenderPipeline(PipelineLogger), new RenderFarm.Agent.Chunking.StitchPipeline(), Outbox, Logs, options, Time, NullLogger<AttemptRunner>.Instance);
        Drain = new AgentDrain(Runner, Outbox, options, Time, NullLogger<AgentDrain>.Instance);
        Link = new OutboxRecorder(Outbox);
    }

    public TempDir Dir { get; }

    public string Media { get; }

    public AgentOptions Options { get; }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public ListLogger<RenderPipeline> PipelineLogger { get; } = new();

    public AgentOutbox Outbox { get; }

    public AttemptLogs Logs { get; }

    public AttemptRunner Runner { get; }

    public AgentDrain Drain { get; }

    public OutboxRecorder Link { get; }

    /// <summary>An assignment that renders <paramref name="clip"/> (copied into the media root) to <paramref name="output"/>.</summary>
    public async Task<Assignment> AssignmentAsync(Task<string> clip, string output, Preset preset)
    {
        var input = Path.GetFileName(await clip);
        await TestClips.CopyAsync(clip, Path.Combine(Media, input));
        return new Assignment
        {
            AttemptId = "att-" + Guid.NewGuid().ToString("N")[..12],
            TaskId = "task-1",
            JobId = "job-1",
            Input = new MediaRef { Root = "media", Path = input },
            Output = new MediaRef { Root = "media", Path = output },
            Settings = new OutputSettings { Preset = preset },
        };
    }

    /// <summary>Waits until the attempt has written frames (its first progress with frames).</summary>
    public Task RenderingAsync(string attemptId) =>
        Link.WaitForAsync(m => m.Any(r => r.MessageCase == ConnectRequest.MessageOneofCase.Progress && r.Progress.AttemptId == attemptId && r.Progress.Frames > 0));

    /// <summary>Moves the fake clock on in steps while <paramref name="until"/> is unfinished, so timers (log flushes) fire.</summary>
    public async Task PumpClockAsync(Task until, TimeSpan step)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (!until.IsCompleted && !limit.IsCancellationRequested)
        {
            Time.Advance(step);
            await Task.WhenAny(until, Task.Delay(40));
        }

        await until;
    }

    public List<string> ScratchFolders() => Directory.GetDirectories(Media, RenderPipeline.ScratchPrefix + "*").ToList();

    public async ValueTask DisposeAsync()
    {
        Runner.InterruptAll("the test ended");
        await Runner.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await Link.DisposeAsync();
        Drain.Dispose();
        Dir.Dispose();
    }
}
