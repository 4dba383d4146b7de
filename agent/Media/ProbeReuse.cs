using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Media;

/// <summary>
/// Probe facts gathered once and reused: a probe of an open input is stamped with that file's identity (its size,
/// modification and status-change times in ns from <c>statx</c> on the open handle, or its SHA-256 in transfer mode),
/// and stamped facts stand in for a probe only of an open file with exactly that identity. The file is never looked up
/// again by name to check: the handle that is compared is the one that is rendered.
/// </summary>
public static class ProbeReuse
{
    /// <summary>
    /// How long before a probe a file must have last changed for the probe to be stamped. File times come from a clock
    /// that ticks in steps of a few milliseconds, so a file rewritten in the same step as an earlier write keeps its
    /// change time; a probe of a file that changed this recently is not kept (as git treats a "racily clean" file).
    /// </summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Whether <paramref name="offered"/> describes <paramref name="input"/> as it is now: the same size and, on shared
    /// storage, the same modification and change times; in transfer mode (<paramref name="sha256"/> set) the same content.
    /// Facts without a stamp never match, nor do facts without the container's duration (an agent before it was recorded
    /// did not keep it, and verification of a stream-copy cut needs it): that input is probed again.
    /// </summary>
    public static bool Describes(SourceFacts? offered, MediaFile input, string? sha256)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (offered is not { SizeBytes: > 0, ContainerDurationSeconds: > 0, Stamp: { } stamp }) return false;
        var now = input.Stamp();
        if (offered.SizeBytes != now.Length) return false;
        if (sha256 is not null || stamp.Sha256.Length > 0)
        {
            return sha256 is not null && string.Equals(stamp.Sha256, sha256, StringComparison.OrdinalIgnoreCase);
        }

        return stamp.CtimeNs != 0 && stamp.CtimeNs == now.ChangedNs && stamp.MtimeNs == now.ModifiedNs;
    }

    /// <summary>
    /// <paramref name="probed"/> as facts stamped with the open file's identity, or null when they must not be kept: the
    /// file changed while it was probed (<paramref name="before"/> and <paramref name="after"/> differ, or differ from the
    /// size the probe saw), or changed less than <see cref="SettleTime"/> before <paramref name="probeStart"/>. In transfer
    /// mode the content's <paramref name="sha256"/> is the identity.
    /// </summary>
    public static SourceFacts? Stamp(SourceFacts probed, FileStamp before, FileStamp after, DateTimeOffset probeStart, string? sha256)
    {
        ArgumentNullException.ThrowIfNull(probed);
        if (before != after || probed.SizeBytes != after.Length || probed.SizeBytes <= 0) return null;
        var facts = probed.Clone();
        if (sha256 is not null)
        {
            facts.Stamp = new SourceStamp { Sha256 = sha256 };
            return facts;
        }

        var settled = (probeStart - SettleTime).ToUnixTimeMilliseconds() * 1_000_000L;
        if (after.ChangedNs <= 0 || after.ChangedNs >= settled) return null;
        facts.Stamp = new SourceStamp { MtimeNs = after.ModifiedNs, CtimeNs = after.ChangedNs };
        return facts;
    }
}
