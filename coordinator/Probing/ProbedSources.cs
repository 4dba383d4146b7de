using System.Collections.Concurrent;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Probing;

/// <summary>
/// Probe facts gathered once and reused: the latest <see cref="SourceFacts"/> an agent probed of each input, stamped with
/// the identity of the file it probed (<see cref="SourceStamp"/>), kept in <c>rf_probed_sources</c> and handed to later
/// RENDER and AUDIO tasks on the same input (<see cref="Assignment.KnownSource"/>). The coordinator only stores and hands
/// out; the agent decides, comparing the stamp with the file it has open, so facts that no longer describe the file
/// (rewritten, replaced, another machine's copy) cost one probe, never a wrong render.
/// </summary>
/// <remarks>
/// An input is keyed by its media reference (<c>media:ROOT/PATH</c>) on shared storage, or by its content
/// (<c>sha256:HEX</c>) for agents in transfer mode. Facts are recorded in the transaction that commits the completion
/// that reported them, and remembered in memory (up to <see cref="MaxRemembered"/> inputs) once it committed; a miss
/// reads the table. Another coordinator's newer facts may be missed by this one's memory: that costs a probe.
/// </remarks>
public sealed class ProbedSources(SqlJobStore? store = null)
{
    /// <summary>Inputs whose facts are kept in memory; past this the memory starts again empty (the table keeps them all).</summary>
    public const int MaxRemembered = 10_000;

    private readonly ConcurrentDictionary<string, SourceFacts> _remembered = new(StringComparer.Ordinal);

    /// <summary>The key of the input of <paramref name="work"/> on shared storage; null when it names no input.</summary>
    public static string? MediaKey(Assignment work) =>
        work.Input is { Root.Length: > 0, Path.Length: > 0 } input ? $"media:{input.Root}/{input.Path}" : null;

    /// <summary>The key of an input's content (transfer mode).</summary>
    public static string ContentKey(string sha256) => $"sha256:{sha256.ToLowerInvariant()}";

    /// <summary>Where facts an agent reported for <paramref name="work"/>'s input belong; null when they carry no identity.</summary>
    public static string? KeyOf(Assignment work, SourceFacts facts)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(facts);
        if (facts is not { SizeBytes: > 0, Stamp: { } stamp }) return null;
        if (stamp.Sha256.Length > 0) return ContentKey(stamp.Sha256);
        return stamp.CtimeNs != 0 ? MediaKey(work) : null;
    }

    /// <summary>Records <paramref name="facts"/> for <paramref name="key"/> in <paramref name="tx"/>, replacing older ones.</summary>
    public static Task RecordAsync(IJobTransaction tx, string key, SourceFacts facts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return tx.ExecuteAsync(
            "INSERT INTO rf_probed_sources (input_key, facts, update_time) VALUES (@key, @facts, @time) " +
            "ON CONFLICT (input_key) DO UPDATE SET facts = excluded.facts, update_time = excluded.update_time",
            ("@key", key), ("@facts", RowMapper.ToJson(facts)), ("@time", now.ToUnixTimeMilliseconds()));
    }

    /// <summary>Remembers facts whose record has committed.</summary>
    public void Remember(string key, SourceFacts facts)
    {
        if (_remembered.Count >= MaxRemembered) _remembered.Clear();
        _remembered[key] = facts;
    }

    /// <summary>The latest facts for <paramref name="key"/>, or null when no agent has reported any.</summary>
    public async Task<SourceFacts?> FindAsync(string key, CancellationToken cancellationToken)
    {
        if (_remembered.TryGetValue(key, out var facts)) return facts;
        if (store is null) return null;
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync(null, "SELECT facts FROM rf_probed_sources WHERE input_key = @key",
            r => RowMapper.FromJson<SourceFacts>(r.GetString(0)), cancellationToken, ("@key", key));
        if (rows.Count == 0) return null;
        // A completion that committed newer facts meanwhile has remembered them: they stay.
        if (_remembered.Count < MaxRemembered) _remembered.TryAdd(key, rows[0]);
        return rows[0];
    }
}
