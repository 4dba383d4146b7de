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
