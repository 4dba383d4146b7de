using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace RenderFarm.Protos.Media;

/// <summary>
/// The names an attempt's temporary files take beside its output: the agent's scratch folder and the coordinator's
/// upload file. Both sides make them from the attempt id, so whoever next touches a task (or the coordinator's sweep)
/// finds what a dead attempt left.
/// </summary>
public static partial class ScratchNames
{
    /// <summary>Prefix of every temporary name beside an output.</summary>
    public const string Prefix = ".renderfarm-";

    /// <summary>The scratch folder an agent renders in (shared storage).</summary>
    public static string Folder(string attemptId) => Prefix + Safe(attemptId);

    /// <summary>The file an upload is received into (transfer mode).</summary>
    public static string Upload(string attemptId) => Prefix + Safe(attemptId) + ".upload";

    /// <summary>The attempt id when it is plain, else a hash of it, so a name made from it is always safe.</summary>
    public static string Safe(string attemptId) =>
        PlainId().IsMatch(attemptId)
            ? attemptId
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(attemptId)))[..32];

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainId();
}
