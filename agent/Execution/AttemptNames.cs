using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace RenderFarm.Agent.Execution;

/// <summary>File names made from attempt ids, which come from the coordinator and are trusted no more than paths.</summary>
public static partial class AttemptNames
{
    /// <summary>The attempt id when it is plain, else a hash of it, so a name made from it is always safe.</summary>
    public static string Safe(string attemptId) =>
        PlainId().IsMatch(attemptId)
            ? attemptId
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(attemptId)))[..32];

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainId();
}
