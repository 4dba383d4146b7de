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
/// Each row keeps when its facts were last recorded or handed to a task (<c>use_time</c>, written at most once per
/// <see cref="UseRefresh"/> per input, so dispatch costs no write per task); housekeeping removes the rows not used for
/// longer than <c>Coordinator:Retention:ProbedSources</c> (<see cref="PruneAsync"/>). Memory never outlives its row:
/// facts remembered for longer than <see cref="UseRefresh"/> are handed out again only after their row's use time is
/// moved on, and forgotten when the row is gone, so a pruned input is probed again.
/// </remarks>
public sealed class ProbedSources(SqlJobStore? store = null, TimeProvider? time = null, TimeSpan? retention = null)
{
    /// <summary>Inputs whose facts are kept in memory; past this the memory starts again empty (the table keeps them all).</summary>
    public const int MaxRemembered = 10_000;

    private readonly ConcurrentDictionary<string, Remembered> _remembered = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>
    /// How long facts handed out count as used without writing it down: an hour, or a quarter of the retention when that
    /// is shorter, so a row in use is never older than the retention allows.
    /// </summary>
    public TimeSpan UseRefresh { get; } = retention is { } r && r > TimeSpan.Zero && r / 4 < TimeSpan.FromHours(1) ? r / 4 : TimeSpan.FromHours(1);

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

    /// <summary>Records <paramref name="facts"/> for <paramref name="key"/> in <paramref name="tx"/>, replacing older ones; they count as used now.</summary>
    public static Task RecordAsync(IJobTransaction tx, string key, SourceFacts facts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return tx.ExecuteAsync(
            "INSERT INTO rf_probed_sources (input_key, facts, update_time, use_time) VALUES (@key, @facts, @time, @time) " +
            "ON CONFLICT (input_key) DO UPDATE SET facts = excluded.facts, update_time = excluded.update_time, use_time = excluded.use_time",
            ("@key", key), ("@facts", RowMapper.ToJson(facts)), ("@time", now.ToUnixTimeMilliseconds()));
    }

    /// <summary>Remembers facts whose record has committed.</summary>
    public void Remember(string key, SourceFacts facts)
    {
        if (_remembered.Count >= MaxRemembered) _remembered.Clear();
        _remembered[key] = new Remembered(facts, _time.GetUtcNow());
    }

    /// <summary>The latest facts for <paramref name="key"/>, or null when no agent has reported any (or they were pruned).</summary>
    public async Task<SourceFacts?> FindAsync(string key, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_remembered.TryGetValue(key, out var known))
        {
            if (now - known.Used < UseRefresh || store is null) return known.Facts;
            if (!await TouchAsync(key, now, cancellationToken))
            {
                // Pruned since: forgotten here too, and the task's agent probes.
                _remembered.TryRemove(new KeyValuePair<string, Remembered>(key, known));
                return null;
            }

            _remembered.TryUpdate(key, known with { Used = now }, known);
            return known.Facts;
        }

        if (store is null) return null;
        List<(SourceFacts Facts, long Used)> rows;
        await using (var connection = await store.OpenConnectionAsync(cancellationToken))
        {
            rows = await connection.QueryAsync(null, "SELECT facts, use_time FROM rf_probed_sources WHERE input_key = @key",
                r => (RowMapper.FromJson<SourceFacts>(r.GetString(0)), r.GetInt64(1)), cancellationToken, ("@key", key));
        }

        if (rows.Count == 0) return null;
        var (facts, usedMs) = rows[0];
        var used = DateTimeOffset.FromUnixTimeMilliseconds(usedMs);
        if (now - used >= UseRefresh)
        {
            if (!await TouchAsync(key, now, cancellationToken)) return null;
            used = now;
        }

        // A completion that committed newer facts meanwhile has remembered them: they stay.
        if (_remembered.Count < MaxRemembered) _remembered.TryAdd(key, new Remembered(facts, used));
        return facts;
    }

    /// <summary>
    /// Removes the facts of inputs not recorded nor handed to a task since <paramref name="cutoff"/>, from the table and
    /// from memory; returns how many rows went.
    /// </summary>
    public async Task<int> PruneAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        if (store is null) return 0;
        int removed;
        await using (var connection = await store.OpenConnectionAsync(cancellationToken))
        {
            removed = await connection.ExecuteAsync(null, "DELETE FROM rf_probed_sources WHERE use_time < @cutoff", cancellationToken,
                ("@cutoff", cutoff.ToUnixTimeMilliseconds()));
        }

        foreach (var (key, known) in _remembered)
        {
            if (known.Used < cutoff) _remembered.TryRemove(new KeyValuePair<string, Remembered>(key, known));
        }

        return removed;
    }

    /// <summary>Moves the row's use time on; false when the row is gone.</summary>
    private async Task<bool> TouchAsync(string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await store!.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(null, "UPDATE rf_probed_sources SET use_time = @now WHERE input_key = @key", cancellationToken,
            ("@now", now.ToUnixTimeMilliseconds()), ("@key", key)) == 1;
    }

    private sealed record Remembered(SourceFacts Facts, DateTimeOffset Used);
}
