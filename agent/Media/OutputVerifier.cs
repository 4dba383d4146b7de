using System.Globalization;
using FFMpegCore;
using RenderFarm.Agent.Media.Mp4;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Media;

/// <summary>
/// Checks a finished render before it is published and describes it as an <see cref="OutputInfo"/>: a whole file with
/// exactly the frames ffmpeg wrote, the streams, codec, picture and colour the settings ask for. MP4/MOV outputs are
/// read in process (<see cref="Mp4Reader"/>), other containers with ffprobe counting packets.
/// </summary>
public static class OutputVerifier
{
    /// <summary>Smallest duration difference from the source that is always accepted.</summary>
    public static readonly TimeSpan MinDurationTolerance = TimeSpan.FromMilliseconds(150);

    /// <summary>
    /// Reads <paramref name="path"/> and compares it with <paramref name="expect"/>: an MP4/MOV in process
    /// (<see cref="Mp4Reader"/>, with ffprobe only for the video facts it cannot read itself), anything else with ffprobe
    /// counting its packets. The returned info has no path or sha256; the pipeline fills those in.
    /// </summary>
    /// <param name="path">The rendered file.</param>
    /// <param name="expect">What it must be.</param>
    /// <param name="cancellationToken">Stops ffprobe.</param>
    /// <param name="ffOptions">Where ffprobe is.</param>
    /// <param name="encodedFrames">The video frames ffmpeg said it wrote (its last statistics line); the file must hold exactly these. Null = not known.</param>
    /// <exception cref="OutputVerificationException">The file is unreadable or differs from the expectations.</exception>
    public static async Task<OutputInfo> VerifyAsync(
        string path, RenderExpectations expect, CancellationToken cancellationToken, FFOptions? ffOptions = null, long? encodedFrames = null)
    {
        ArgumentNullException.ThrowIfNull(expect);
        var probed = await ReadAsync(path, cancellationToken, ffOptions).ConfigureAwait(false);
        var problems = Check(probed, expect, encodedFrames);
        if (problems.Count > 0)
        {
            throw new OutputVerificationException("the output does not match the settings: " + string.Join("; ", problems));
        }

        return ToOutputInfo(probed, expect);
    }

    /// <summary>
    /// The facts of a rendered file, each read where it is exact: an MP4/MOV's frames, streams and wholeness from its
    /// movie box (and, for H.264 and ProRes, its parameter set or frame header); the other video facts of an MP4/MOV the
    /// reader cannot read (HEVC, AV1, DNxHR, a rotated track) from ffprobe without counting packets; anything else from
    /// ffprobe counting packets.
    /// </summary>
    /// <exception cref="OutputVerificationException">The file is not whole or cannot be read.</exception>
    public static async Task<SourceInfo> ReadAsync(string path, CancellationToken cancellationToken, FFOptions? ffOptions = null)
    {
        if (!Mp4Reader.Handles(path)) return await ProbeAsync(path, countFrames: true, ffOptions, cancellationToken).ConfigureAwait(false);
        Mp4Facts facts;
        try
        {
            facts = Mp4Reader.Read(path);
        }
        catch (Mp4FormatException ex)
        {
            throw new OutputVerificationException($"the output is not a whole {Path.GetExtension(path).TrimStart('.').ToUpperInvariant()} file: {ex.Message}");
        }

        if (facts.Complete) return facts.Info;
        var probed = await ProbeAsync(path, countFrames: false, ffOptions, cancellationToken).ConfigureAwait(false);
        if (probed.VideoCodec != facts.Info.VideoCodec || probed.HasAudio != facts.Info.HasAudio)
        {
            throw new OutputVerificationException(
                $"the output's movie box says {facts.Info.VideoCodec}{(facts.Info.HasAudio ? " with audio" : "")}, ffprobe reads {probed.VideoCodec}{(probed.HasAudio ? " with audio" : "")}");
        }

        return probed with { FrameCount = facts.Info.FrameCount, Duration = facts.Info.Duration };
    }

    private static async Task<SourceInfo> ProbeAsync(string path, bool countFrames, FFOptions? ffOptions, CancellationToken cancellationToken)
    {
        try
        {
            return await MediaProbe.ProbeAsync(path, cancellationToken, countFrames, ffOptions).ConfigureAwait(false);
        }
        catch (MediaProbeException ex)
        {
            throw new OutputVerificationException($"the output cannot be read: {ex.Message}");
        }
    }

    private static OutputInfo ToOutputInfo(SourceInfo probed, RenderExpectations expect) =>
        new()
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

    /// <summary>Every way <paramref name="probed"/> differs from <paramref name="expect"/>; empty when it matches.</summary>
    /// <param name="probed">The file's facts.</param>
    /// <param name="expect">What it must be.</param>
    /// <param name="encodedFrames">The video frames ffmpeg said it wrote; the file must hold exactly these. Null = not known.</param>
    public static IReadOnlyList<string> Check(SourceInfo probed, RenderExpectations expect, long? encodedFrames = null)
    {
        ArgumentNullException.ThrowIfNull(probed);
        ArgumentNullException.ThrowIfNull(expect);
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
        // The source's video is shown until somewhere from its stream's duration to its latest end (the container's, when
        // frames reordered past a stream-copy cut are shown after the stream's last decode time); ffmpeg renders all of it.
        var earliest = expect.SourceDuration.TotalSeconds;
        var latest = expect.LatestEnd.TotalSeconds;
        var seconds = probed.Duration.TotalSeconds;
        if (seconds < earliest - tolerance || seconds > latest + tolerance)
        {
            problems.Add(latest > earliest
                ? string.Create(CultureInfo.InvariantCulture,
                    $"duration is {seconds:0.###} s, the source's video lasts {earliest:0.###} to {latest:0.###} s")
                : string.Create(CultureInfo.InvariantCulture,
                    $"duration is {seconds:0.###} s, the source's is {earliest:0.###} s"));
        }

        var frames = probed.FrameCount;
        if (frames is null or 0)
        {
            problems.Add("the video has no frames");
        }
        else if (encodedFrames is > 0 && frames != encodedFrames)
        {
            problems.Add($"{frames} frames in the file, ffmpeg wrote {encodedFrames}");
        }
        else if (expect.ConstantRate is { } rate)
        {
            var fromDuration = (long)Math.Round(probed.Duration.TotalSeconds * rate.Value);
            var slack = 1 + (long)Math.Ceiling(tolerance * rate.Value);
            if (Math.Abs(frames.Value - fromDuration) > 1)
            {
                problems.Add($"{frames} frames in {probed.Duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s is not a constant {rate} fps");
            }
            else if (expect.ExpectedFrameCount is { } expected
                && (frames.Value < expected - slack || frames.Value > (long)Math.Round(latest * rate.Value) + slack))
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
