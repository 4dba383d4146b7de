using System.Globalization;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Media;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Chunking;

/// <summary>
/// Proves a joined file is exactly its verified chunks, so the stitch need not decode it again: each chunk decoded
/// cleanly in its own task (<see cref="ChunkVerifier.VerifyChunkAsync"/>); here each chunk file is byte for byte the
/// one verified, all share the same codec parameter sets, and the joined video holds exactly their packets, in order.
/// </summary>
public static class JoinProof
{
    /// <summary>Whether the plan carries a usable proof for every chunk (plans made before proofs existed do not).</summary>
    public static bool Usable(IReadOnlyList<string> chunks, IReadOnlyList<OutputInfo>? outputs) =>
        outputs is not null && outputs.Count == chunks.Count && outputs.All(o => o.ChunkProof is { PacketDigest.Length: > 0 } && o.Sha256.Length > 0);

    /// <summary>
    /// Before the join: every chunk file has the size and SHA-256 its chunk task verified, and the parameter sets the
    /// other chunks have. A chunk that does not is named (<see cref="RenderFailedException.DamagedChunks"/>) so that it
    /// alone renders again.
    /// </summary>
    /// <exception cref="RenderFailedException">Some chunk is not as verified.</exception>
    public static async Task CheckChunkFilesAsync(IReadOnlyList<MediaFile> chunks, IReadOnlyList<OutputInfo> outputs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(outputs);
        var changed = new List<(uint Index, string Why)>();
        for (var i = 0; i < chunks.Count; i++)
        {
            // The open file, which is what the join reads (a transfer agent's chunks are opened in its cache).
            var size = chunks[i].Length;
            if ((ulong)size != outputs[i].SizeBytes)
            {
                changed.Add(((uint)i, $"{size} bytes, verified {outputs[i].SizeBytes}"));
                continue;
            }

            string sha;
            await using (var stream = chunks[i].OpenRead()) sha = await RenderPipeline.Sha256Async(stream, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(sha, outputs[i].Sha256, StringComparison.OrdinalIgnoreCase)) changed.Add(((uint)i, $"sha256 {sha}, verified {outputs[i].Sha256}"));
        }

        if (changed.Count > 0)
        {
            throw new RenderFailedException(FailureClass.Transient,
                $"chunk(s) {Names(changed.Select(c => c.Index))} changed after they were verified ({changed[0].Why}): they render again")
            {
                DamagedChunks = changed.Select(c => c.Index).ToList(),
            };
        }

        // The parameter sets most chunks share are the job's; a chunk encoded with others (another encoder build or
        // settings) would not decode inside the joined stream as it did alone.
        var counts = outputs.GroupBy(o => o.ChunkProof.ParameterSetsSha256).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var usual = outputs.Select(o => o.ChunkProof.ParameterSetsSha256).MaxBy(k => counts[k])!;
        var odd = outputs.Select((o, i) => (Output: o, Index: (uint)i)).Where(x => x.Output.ChunkProof.ParameterSetsSha256 != usual).Select(x => x.Index).ToList();
        if (odd.Count > 0)
        {
            var same = Enumerable.Range(0, outputs.Count).Select(i => (uint)i).Except(odd);
            throw new RenderFailedException(FailureClass.Transient,
                $"chunk(s) {Names(odd)} were encoded with other codec parameter sets (SPS/PPS) than chunk(s) {Names(same)}, so the joined stream " +
                "would not decode as they did: they render again")
            {
                DamagedChunks = odd,
            };
        }
    }

    /// <summary>
    /// After the join: the joined video carries the chunks' parameter sets, and its packets are the chunks' verified
    /// packets, chunk after chunk, each chunk's run starting with a keyframe.
    /// </summary>
    /// <exception cref="OutputVerificationException">They are not.</exception>
    public static void CheckPackets(VideoPackets joined, IReadOnlyList<OutputInfo> outputs)
    {
        ArgumentNullException.ThrowIfNull(joined);
        ArgumentNullException.ThrowIfNull(outputs);
        var parameterSets = outputs.Count > 0 ? outputs[0].ChunkProof.ParameterSetsSha256 : "";
        if (!string.Equals(joined.ParameterSets, parameterSets, StringComparison.Ordinal))
        {
            throw new OutputVerificationException(
                $"the joined video's codec parameter sets (SPS/PPS, {Shown(joined.ParameterSets)}) are not its chunks' ({Shown(parameterSets)})");
        }

        var expected = outputs.Sum(o => (long)o.FrameCount);
        if (joined.Pts.Count != expected)
        {
            throw new OutputVerificationException($"the joined video has {joined.Pts.Count} packets, its chunks {expected}");
        }

        var start = 0;
        for (var i = 0; i < outputs.Count; i++)
        {
            var count = (int)outputs[i].FrameCount;
            if (joined.NotSelfContained(start, count) is { } why)
            {
                throw new OutputVerificationException($"in the joined video, chunk {i + 1} (from packet {start}) cannot start a stream: {why}");
            }

            if (joined.Digest(start, count) != outputs[i].ChunkProof.PacketDigest)
            {
                throw new OutputVerificationException(string.Create(CultureInfo.InvariantCulture,
                    $"the joined video's packets {start}-{start + count - 1} are not chunk {i + 1}'s verified packets"));
            }

            start += count;
        }
    }

    private static string Shown(string hash) => hash.Length == 0 ? "none" : hash;

    private static string Names(IEnumerable<uint> indexes) => string.Join(", ", indexes.Select(i => i + 1));
}
