using RenderFarm.Protos.V1;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>Reading a job's attempts in the order they were handed out.</summary>
public static class Attempts
{
    /// <summary>The attempts of the job's only task, oldest first.</summary>
    public static IReadOnlyList<Attempt> Of(Job job) =>
        Assert.Single(job.Tasks).Attempts.OrderBy(a => a.StartTime.ToDateTimeOffset()).ToList();

    /// <summary>"agent-a:LOST, agent-b:SUCCEEDED" for assertion messages.</summary>
    public static string Describe(Job job) =>
        string.Join(", ", job.Tasks.SelectMany(t => t.Attempts).OrderBy(a => a.StartTime.ToDateTimeOffset())
            .Select(a => $"{a.AgentId}:{a.Outcome}{(a.FailureClass == FailureClass.Unspecified ? "" : "/" + a.FailureClass)} {a.Id}"));
}
