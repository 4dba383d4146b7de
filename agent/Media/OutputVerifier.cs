using System.Globalization;
using FFMpegCore;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Media;

/// <summary>Checks a finished render with ffprobe before it is published and describes it as an <see cref="OutputInfo"/>.</summary>
public static class OutputVerifier
{
    /// <summary>Smallest duration difference from the source that is always accepted.</summary>
    public static readonly TimeSpan MinDurationTolerance = TimeSpan.FromMilliseconds(150);

    /// <summary>
    /// Probes <paramref name="path"/> (counting its packets) and compares it with <paramref name="expect"/>.
    /// The returned info has no path or sha256; the pipeline fills those in.
    /// </summary>
    /// <exception cref="OutputVerificationException">The file is unreadable or differs from the expectations.</exception>
    public static async Task<OutputInfo> VerifyAsync(string path, RenderExpectations expect, CancellationToken cancellationToken, FFOptions? ffOptions = null)
    {
        SourceInfo probed;
        try
        {
            probed = await MediaProbe.ProbeAsync(path, cancellationToken, countFrames: true, ffOptions).ConfigureAwait(false);
        }
        catch (MediaProbeException ex)
        {
            throw new OutputVerificationException($"the output cannot be read: {ex.Message}");
        }

        var problems = Check(probed, expect);
        if (problems.Count > 0)
        {
            throw new OutputVerificationException("the output does not match the settings: " + string.Join("; ", problems));
        }

        return new OutputInfo
        {
            SizeBytes = (ulong)probed.SizeBytes,
            DurationSeconds = Math.Round(probed.Duration.TotalSeconds, 6),
            FrameCount = (ulong)(probed.FrameCount ?? 0),
            VideoCodec = probed.VideoCodec,
            Width = (uint)probed.Width,
            Height = (uint)probed.Height,
            PixelFormat = probed.PixelFormat,
            ColorPrimaries = probed.ColorPrimaries,
            ColorTransfer = probed.ColorTransfer,
            ColorSpace = probed.ColorSpace,
            FrameRate = expect.ConstantRate?.ToString() ?? string.Empty,
            FrameRateReason = expect.FrameRateReason,
        };
    }

    /// <summary>Every way <paramref name="probed"/> differs from <paramref name="expect"/>; empty when it matches.</summary>
    public static IReadOnlyList<string> Check(SourceInfo probed, RenderExpectations expect)
    {
        var problems = new List<string>();
        void Expect(string what, string actual, string expected)
        {
            if (!string.Equals(actual, expected, StringComparison.Ordinal))
            {
                problems.Add($"{what} is '{actual}', expected '{expected}'");
            }
        }

        Expect("video codec", probed.VideoCodec, expect.VideoCodec);
        if (expect.Profile is not null)
        {
            Expect("profile", probed.VideoProfile, expect.Profile);
        }

        Expect("pixel format", probed.PixelFormat, expect.PixelFormat);
        if (probed.Width != expect.Width || probed.Height != expect.Height || probed.Rotation != 0)
        {
            problems.Add($"picture is {probed.Width}x{probed.Height} rotated {probed.Rotation}, expected {expect.Width}x{expect.Height} upright");
        }

        Expect("colour primaries", probed.ColorPrimaries, expect.Color.Primaries);
        Expect("colour transfer", probed.ColorTransfer, expect.Color.Transfer);
        Expect("colour space", probed.ColorSpace, expect.Color.Space);
        Expect("colour range", probed.ColorRange, expect.Color.Range);

        var frameSeconds = expect.ConstantRate?.FrameSeconds ?? 0;
        var tolerance = Math.Max(MinDurationTolerance.TotalSeconds, 2.5 * frameSeconds);
        var drift = Math.Abs(probed.Duration.TotalSeconds - expect.SourceDuration.TotalSeconds);
        if (drift > tolerance)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"duration is {probed.Duration.TotalSeconds:0.###} s, the source's is {expect.SourceDuration.TotalSeconds:0.###} s"));
        }

        var frames = probed.FrameCount;
        if (frames is null or 0)
        {
            problems.Add("the video has no frames");
        }
        else if (expect.ConstantRate is { } rate)
        {
            var fromDuration = (long)Math.Round(probed.Duration.TotalSeconds * rate.Value);
            var slack = 1 + (long)Math.Ceiling(tolerance * rate.Value);
            if (Math.Abs(frames.Value - fromDuration) > 1)
            {
                problems.Add($"{frames} frames in {probed.Duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s is not a constant {rate} fps");
            }
            else if (expect.ExpectedFrameCount is { } expected && Math.Abs(frames.Value - expected) > slack)
            {
                problems.Add($"{frames} frames, expected about {expected}");
            }

            if (FrameRate.TryParse(probed.AverageFrameRate, out var avg) && Math.Abs(avg.Value - rate.Value) > rate.Value * 0.01)
            {
                problems.Add($"average frame rate is {probed.AverageFrameRate}, expected {rate}");
            }
        }
        else if (expect.ExpectedFrameCount is { } kept && Math.Abs(frames.Value - kept) > 1)
        {
            problems.Add($"{frames} frames, the source has {kept}");
        }

        if (probed.HasAudio != expect.HasAudio)
        {
            problems.Add(expect.HasAudio ? "the audio stream is missing" : "there is an audio stream that should not be there");
        }
        else if (expect.HasAudio)
        {
            Expect("audio codec", probed.AudioCodec, expect.AudioCodec);
        }

        return problems;
    }
}
