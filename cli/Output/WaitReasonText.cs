using RenderFarm.Protos.V1;
using static RenderFarm.Protos.V1.WaitReason.Types;

namespace RenderFarm.Cli.Output;

/// <summary>Why a task is not running, in one line: "backing off until 14:02:10 (in 40s)", "waiting on job j-7".</summary>
internal static class WaitReasonText
{
    public static string Describe(WaitReason reason, DateTimeOffset now, TimeZoneInfo zone) => reason.Kind switch
    {
        Kind.Scheduled when reason.Until is { } until => $"scheduled to start at {Clock.At(until, now, zone)}",
        Kind.Backoff when reason.Until is { } until => $"backing off until {Clock.At(until, now, zone)}",
        Kind.Dependency when reason.JobIds.Count > 0 => $"waiting on job {string.Join(", ", reason.JobIds)}",
        Kind.Blocklisted when reason.AgentIds.Count > 0 && string.IsNullOrWhiteSpace(reason.Message) =>
            $"passed over by agents {string.Join(", ", reason.AgentIds)} after too many failures",
        _ when !string.IsNullOrWhiteSpace(reason.Message) => reason.Message.Trim(),
        Kind.Scheduled => "scheduled",
        Kind.Backoff => "backing off after a failure",
        Kind.Dependency => "waiting on other jobs",
        Kind.NoAgents => "no agent is connected",
        Kind.NoCapableAgent => "no connected agent can run it",
        Kind.SlotsBusy => "every capable agent is busy",
        Kind.AgentsDraining => "every capable agent is draining",
        Kind.Blocklisted => "every capable agent failed it too often",
        Kind.Dispatching => "handing over to an agent",
        Kind.Tasks => "waiting for the other tasks of its job",
        Kind.NeedsTag => "no connected agent has the tags it requires",
        Kind.Pool => "no connected agent in its pool can run it",
        Kind.LimitGroup => "its limit group is full",
        Kind.MaxAgents => "it runs on as many agents as it may at once",
        _ => "waiting",
    };

    /// <summary>The wait reason of the first task that has one, or null when no task waits.</summary>
    public static string? ForJob(Job job, DateTimeOffset now, TimeZoneInfo zone) =>
        job.Tasks.FirstOrDefault(t => t.WaitReason is not null && t.State is TaskState.Waiting or TaskState.Queued)?.WaitReason is { } reason
            ? Describe(reason, now, zone)
            : null;
}
