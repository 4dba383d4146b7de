using System.Security.Cryptography;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>Short random identifiers people can type: <c>job-3f9a1c2b7d4e</c>.</summary>
public static class Ids
{
    public static string NewJobId() => "job-" + Hex(6);

    public static string NewAttemptId() => "att-" + Hex(8);

    public static string TaskId(string jobId, int index) => $"{jobId}-t{index}";

    private static string Hex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));
}
