using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FFMpegCore;

namespace RenderFarm.Agent.Chunking;

/// <summary>
/// A file's first video stream packet by packet, in file (decode) order, as one ffprobe pass reads it without decoding:
/// each packet's presentation timestamp, keyframe flag and SHA-256, the stream's parameter sets hash, and the first
/// audio stream's codec and duration.
/// </summary>
/// <param name="Pts">Presentation timestamps in stream time-base ticks, in file order.</param>
/// <param name="Key">Whether each packet is a keyframe.</param>
/// <param name="Hashes">Each packet's payload hash as ffprobe prints it ("SHA256:hex").</param>
/// <param name="ParameterSets">The video stream's extradata hash ("SHA256:hex"; empty when it has none).</param>
/// <param name="Audio">The first audio stream's codec and duration, or null when there is none.</param>
public sealed record VideoPackets(
    IReadOnlyList<long> Pts,
    IReadOnlyList<bool> Key,
    IReadOnlyList<string> Hashes,
    string ParameterSets,
    (string Codec, double Seconds)? Audio)
{
    /// <summary>The presentation timestamps in ascending order.</summary>
    public IReadOnlyList<long> SortedPts()
    {
        var sorted = Pts.ToList();
        sorted.Sort();
        return sorted;
    }

    /// <summary>SHA-256 (hex) over packets [<paramref name="start"/>, +<paramref name="count"/>): each hash and a line feed.</summary>
    public string Digest(int start, int count)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var i = start; i < start + count; i++) sha.AppendData(Encoding.ASCII.GetBytes(Hashes[i] + "\n"));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>
    /// Why packets [<paramref name="start"/>, +<paramref name="count"/>) could not start a stream of their own, or null:
    /// the first is a keyframe and no packet after it is shown before it (no leading frames that reference what came before).
    /// </summary>
    public string? NotSelfContained(int start, int count)
    {
        if (count == 0) return "it has no video packets";
        if (!Key[start]) return "its first packet is not a keyframe";
        for (var i = start + 1; i < start + count; i++)
        {
            if (Pts[i] < Pts[start]) return $"packet {i - start} is shown before its first keyframe (an open GOP)";
        }

        return null;
    }

    /// <summary>Reads <paramref name="path"/> in one ffprobe pass (demuxing only: no decoding).</summary>
    /// <exception cref="IOException">ffprobe read no video packets.</exception>
    public static async Task<VideoPackets> ReadAsync(string path, CancellationToken cancellationToken, FFOptions? ffOptions = null)
    {
        var (output, errors) = await StreamChecks.RunAsync(GlobalFFOptions.GetFFProbeBinaryPath(ffOptions ?? GlobalFFOptions.Current),
            ["-v", "error", "-show_data_hash", "sha256",
                "-show_entries", "packet=stream_index,pts,flags,data_hash:stream=index,codec_type,codec_name,duration,extradata_hash:format=duration",
                "-of", "json", path],
            cancellationToken).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(output.Length > 0 ? output : "{}");
        var root = doc.RootElement;
        int? video = null;
        var parameterSets = "";
        (string Codec, double Seconds)? audio = null;
        if (root.TryGetProperty("streams", out var streams))
        {
            foreach (var stream in streams.EnumerateArray())
            {
                var type = stream.TryGetProperty("codec_type", out var t) ? t.GetString() : null;
                if (type == "video" && video is null)
                {
                    video = stream.GetProperty("index").GetInt32();
                    parameterSets = stream.TryGetProperty("extradata_hash", out var e) ? e.GetString() ?? "" : "";
                }

                if (type == "audio" && audio is null)
                {
                    var seconds = Seconds(stream);
                    if (seconds == 0 && root.TryGetProperty("format", out var format)) seconds = Seconds(format);
                    audio = (stream.TryGetProperty("codec_name", out var c) ? c.GetString() ?? "" : "", seconds);
                }
            }
        }

        var pts = new List<long>();
        var key = new List<bool>();
        var hashes = new List<string>();
        if (video is { } v && root.TryGetProperty("packets", out var packets))
        {
            foreach (var packet in packets.EnumerateArray())
            {
                if (!packet.TryGetProperty("stream_index", out var index) || index.GetInt32() != v) continue;
                pts.Add(packet.TryGetProperty("pts", out var value) ? value.GetInt64() : long.MinValue);
                key.Add(packet.TryGetProperty("flags", out var flags) && (flags.GetString() ?? "").Contains('K', StringComparison.Ordinal));
                hashes.Add(packet.TryGetProperty("data_hash", out var hash) ? hash.GetString() ?? "" : "");
            }
        }

        if (pts.Count == 0) throw new IOException($"ffprobe read no video packets from {Path.GetFileName(path)}: {errors.Trim()}");
        return new VideoPackets(pts, key, hashes, parameterSets, audio);

        static double Seconds(JsonElement e) =>
            e.TryGetProperty("duration", out var d) && double.TryParse(d.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 0;
    }
}
