using System.Globalization;

namespace RenderFarm.Agent.Media.Mp4;

/// <summary>
/// ffprobe's <c>r_frame_rate</c> of an H.264/HEVC track whose decoding deltas vary, worked out as ffmpeg 5.1's
/// <c>avformat_find_stream_info</c> does it from the first packets' decoding times (<c>ff_rfps_add_frame</c>,
/// <c>ff_rfps_calculate</c>): the greatest common step of the deltas when it is coarse enough, else the standard rate
/// whose frame grid the times fit best. Null when that search finds no rate (ffprobe then takes another source).
/// </summary>
internal static class RealFrameRateEstimate
{
    private const int StandardRates = (30 * 12) + 30 + 3 + 6;

    /// <summary>
    /// ffprobe's r_frame_rate of a track whose deltas vary, from the packets its stream analysis reads (21, or 41 with a
    /// timescale under 2000 ticks a second). Null when that count is not certain (the analysis could stop early on its
    /// 5 MB or 5 s limits, or decoding times are shifted by negative composition offsets) or when a few packets more or
    /// less would change what the agent decides from the rate (whether it is variable, the rate it snaps to).
    /// </summary>
    public static string? ForTrack(MovieBoxes movie, MovieTrack video, string averageRate, out string reason)
    {
        reason = "a variable frame rate whose r_frame_rate only ffprobe can tell";
        if (video.NegativeCompositionOffsets) return null;
        var frames = video.SampleCount;
        var expected = Math.Min(video.Timescale < 2000 ? 41 : 21, frames);
        var reach = Math.Min(expected + 3, frames);
        var deltas = new long[reach];
        var dts = new long[reach];
        var shift = video.Edits is [var edit] ? edit.MediaTime : 0;
        long time = -shift;
        var at = 0;
        foreach (var (count, delta) in video.TimeToSample)
        {
            for (var i = 0; i < count && at < reach; i++, at++)
            {
                dts[at] = time;
                deltas[at] = delta;
                time += delta;
            }

            if (at == reach) break;
        }

        if ((double)(dts[reach - 1] - dts[0]) / video.Timescale > 4) return null;
        if (AnalysisBytes(movie, video, reach) > 4_000_000) return null;
        var rates = new List<string?>();
        for (var k = Math.Max(2, expected - 3); k <= reach; k++) rates.Add(Estimate(dts[..k], deltas[..k], video.Timescale));
        var chosen = Estimate(dts[..expected], deltas[..expected], video.Timescale);
        if (chosen is null || rates.Any(r => r is null || Decision(r, averageRate) != Decision(chosen, averageRate))) return null;
        return chosen;
    }

    /// <summary>What the agent decides from the two rates: whether the source is variable, and the constant rate it renders at.</summary>
    private static (bool Variable, FrameRate Rate) Decision(string real, string average)
    {
        var info = new SourceInfo(1, 1, 0, TimeSpan.Zero, "", "", "", null, "", "", "", "", real, average, null, false, "", 0);
        FrameRate? r = FrameRate.TryParse(real, out var parsed) ? parsed : null;
        if (!FrameRate.TryParse(average, out var avg)) return (info.IsVariableFrameRate, default);
        return (info.IsVariableFrameRate, info.IsVariableFrameRate ? FrameRate.SnapVariable(r, avg) : avg.SnapToStandard());
    }

    /// <summary>Bytes of the first <paramref name="packets"/> video samples and of every other track's chunks stored before their end.</summary>
    private static long AnalysisBytes(MovieBoxes movie, MovieTrack video, int packets)
    {
        long bytes = 0, end = 0;
        var sample = 0;
        for (var c = 0; c < video.ChunkOffsets.Length && sample < packets; c++)
        {
            var at = video.ChunkOffsets[c];
            for (var i = 0; i < video.ChunkSamples[c] && sample < packets; i++, sample++)
            {
                bytes += video.SampleSizes[sample];
                at += video.SampleSizes[sample];
            }

            end = Math.Max(end, at);
        }

        foreach (var track in movie.Tracks.Where(t => t != video))
        {
            var first = 0;
            for (var c = 0; c < track.ChunkOffsets.Length; c++)
            {
                var n = track.ChunkSamples[c];
                if (track.ChunkOffsets[c] < end)
                {
                    for (var i = 0; i < n; i++) bytes += track.SampleSizes[first + i];
                }

                first += n;
            }
        }

        return bytes;
    }

    /// <summary>The estimate from the decoding times <paramref name="dts"/> and durations of the packets read, in <paramref name="timescale"/> ticks.</summary>
    public static string? Estimate(IReadOnlyList<long> dts, IReadOnlyList<long> durations, uint timescale)
    {
        var error = new double[2, 2, StandardRates];
        var unit = 1.0 / timescale;
        long? last = null;
        long count = 0, sum = 0, gcd = 0;
        foreach (var ts in dts)
        {
            if (last is { } previous && ts > previous)
            {
                var seconds = ts * unit;
                var duration = ts - previous;
                for (var i = 0; i < StandardRates; i++)
                {
                    if (error[0, 1, i] >= 1e10) continue;
                    var scaled = seconds * Standard(i) / (1001 * 12);
                    for (var j = 0; j < 2; j++)
                    {
                        var ticks = Math.Round(scaled + (j * 0.5), MidpointRounding.ToEven);
                        var e = scaled - ticks + (j * 0.5);
                        error[j, 0, i] += e;
                        error[j, 1, i] += e * e;
                    }
                }

                count++;
                sum += duration;
                if (count % 10 == 0)
                {
                    for (var i = 0; i < StandardRates; i++)
                    {
                        if (error[0, 1, i] >= 1e10) continue;
                        double a0 = error[0, 0, i] / count, a1 = error[1, 0, i] / count;
                        if ((error[0, 1, i] / count) - (a0 * a0) > 0.04 && (error[1, 1, i] / count) - (a1 * a1) > 0.04)
                        {
                            error[0, 1, i] = 2e10;
                            error[1, 1, i] = 2e10;
                        }
                    }
                }

                if (count > 3) gcd = Gcd(gcd, duration);
            }

            last = ts;
        }

        if (count > 15 && gcd > Math.Max(1, timescale / 500)) return Ratio(timescale, gcd);
        if (count <= 1) return null;

        // The packets after the first two count toward the analysed duration.
        var analysed = durations.Skip(2).Take(dts.Count - 2).Sum();
        var best = 0.01;
        var rate = 0;
        for (var i = 0; i < StandardRates; i++)
        {
            var standard = Standard(i);
            if (analysed != 0 && analysed * unit < 1001 * 11.5 / standard) continue;
            if (analysed == 0 && standard < 1001 * 12) continue;
            if (unit * sum / count < 1001 * 12.0 * 0.8 / standard) continue;
            for (var j = 0; j < 2; j++)
            {
                var a = error[j, 0, i] / count;
                var e = (error[j, 1, i] / count) - (a * a);
                if (e < best && best > 0.000000001)
                {
                    best = e;
                    rate = standard;
                }
            }
        }

        return rate != 0 && (double)rate / (12 * 1001) < 1.01 * timescale ? Ratio(rate, 12 * 1001) : null;
    }

    /// <summary>ffmpeg's <c>get_std_framerate</c>: i/12 fps up to 30, whole rates to 60, 80, 120, 240, then the NTSC rates; times 12 * 1001.</summary>
    private static int Standard(int i)
    {
        if (i < 30 * 12) return (i + 1) * 1001;
        i -= 30 * 12;
        if (i < 30) return (i + 31) * 1001 * 12;
        i -= 30;
        if (i < 3) return (i switch { 0 => 80, 1 => 120, _ => 240 }) * 1001 * 12;
        i -= 3;
        return (i switch { 0 => 24, 1 => 30, 2 => 60, 3 => 12, 4 => 15, _ => 48 }) * 1000 * 12;
    }

    private static string? Ratio(long numerator, long denominator)
    {
        var g = Gcd(numerator, denominator);
        var (n, d) = (numerator / g, denominator / g);
        return n > int.MaxValue || d > int.MaxValue ? null : string.Create(CultureInfo.InvariantCulture, $"{n}/{d}");
    }

    private static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return Math.Abs(a);
    }
}
