using System.Globalization;
using FFMpegCore;
using RenderFarm.Agent.Media;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Chunking;

/// <summary>Checks a chunk or the job's audio before it is renamed into the work folder.</summary>
public static class ChunkVerifier
{
    /// <summary>Longest an audio file may differ from the source's video duration.</summary>
    public static readonly TimeSpan AudioTolerance = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The chunk has the settings' codec, size and colour and exactly its frames (the last chunk: about), counted from
    /// its packets, as a whole-file render's output is checked. Whether it decodes cleanly is proven once, by the
    /// stitch's full decode of the joined file, which names any damaged chunk so that it is rendered again.
    /// </summary>
    /// <exception cref="OutputVerificationException">It does not.</exception>
    public static async Task<OutputInfo> VerifyChunkAsync(string path, RenderExpectations expect, ChunkRange chunk, CancellationToken cancellationToken, FFOptions? ffOptions = null)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var info = await OutputVerifier.VerifyAsync(path, expect, cancellationToken, ffOptions).ConfigureAwait(false);
        if (!chunk.Last && info.FrameCount != chunk.FrameCount)
        {
            throw new OutputVerificationException($"chunk {chunk.Index + 1} has {info.FrameCount} frames, expected {chunk.FrameCount}");
        }

        return info;
    }

    /// <summary>The audio file holds the expected codec for about the source's duration.</summary>
    /// <exception cref="OutputVerificationException">It does not.</exception>
    public static async Task<OutputInfo> VerifyAudioAsync(string path, RenderExpectations expect, CancellationToken cancellationToken, FFOptions? ffOptions = null)
    {
        ArgumentNullException.ThrowIfNull(expect);
        var audio = await StreamChecks.AudioAsync(path, cancellationToken, ffOptions).ConfigureAwait(false)
            ?? throw new OutputVerificationException("the audio file has no audio stream");
        if (audio.Codec != expect.AudioCodec)
        {
            throw new OutputVerificationException($"audio codec is '{audio.Codec}', expected '{expect.AudioCodec}'");
        }

        if (Math.Abs(audio.Seconds - expect.SourceDuration.TotalSeconds) > AudioTolerance.TotalSeconds)
        {
            throw new OutputVerificationException(string.Create(CultureInfo.InvariantCulture,
                $"audio lasts {audio.Seconds:0.###} s, the source's video {expect.SourceDuration.TotalSeconds:0.###} s"));
        }

        return new OutputInfo { DurationSeconds = audio.Seconds, SizeBytes = (ulong)new FileInfo(path).Length };
    }
}
