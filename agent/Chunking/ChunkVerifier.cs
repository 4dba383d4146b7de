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
    /// its packets, as a whole-file render's output is checked; it starts with a keyframe and shows no frame before it
    /// (a closed GOP, so it decodes on its own); and it decodes cleanly in full. The returned info carries the chunk's
    /// <see cref="ChunkProof"/>: the stitch proves the joined file holds exactly these packets instead of decoding it again.
    /// </summary>
    /// <param name="threads">Decoder threads, as the agent's renders use; 0 = ffmpeg's choice.</param>
    /// <param name="encodedFrames">The video frames ffmpeg said it wrote; the chunk must hold exactly these. Null = not known.</param>
    /// <exception cref="OutputVerificationException">It does not.</exception>
    public static async Task<OutputInfo> VerifyChunkAsync(
        string path, RenderExpectations expect, ChunkRange chunk, CancellationToken cancellationToken, FFOptions? ffOptions = null, int threads = 0,
        long? encodedFrames = null)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        OutputInfo info;
        try
        {
            info = await OutputVerifier.VerifyAsync(path, expect, cancellationToken, ffOptions, encodedFrames).ConfigureAwait(false);
        }
        catch (OutputVerificationException ex)
        {
            throw new OutputVerificationException($"chunk {chunk.Index + 1}: {ex.Message}");
        }

        if (!chunk.Last && info.FrameCount != chunk.FrameCount)
        {
            throw new OutputVerificationException($"chunk {chunk.Index + 1} has {info.FrameCount} frames, expected {chunk.FrameCount}");
        }

        VideoPackets packets;
        try
        {
            packets = await VideoPackets.ReadAsync(path, cancellationToken, ffOptions).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new OutputVerificationException($"chunk {chunk.Index + 1}: {ex.Message}");
        }

        if ((ulong)packets.Pts.Count != info.FrameCount)
        {
            throw new OutputVerificationException($"chunk {chunk.Index + 1} has {packets.Pts.Count} video packets for {info.FrameCount} frames");
        }

        if (packets.NotSelfContained(0, packets.Pts.Count) is { } why)
        {
            throw new OutputVerificationException($"chunk {chunk.Index + 1} cannot be joined: {why}");
        }

        var errors = await StreamChecks.DecodeErrorsAsync(path, cancellationToken, ffOptions, threads).ConfigureAwait(false);
        if (errors.Length > 0) throw new OutputVerificationException($"chunk {chunk.Index + 1} does not decode cleanly: {errors.Split('\n')[0]}");
        info.ChunkProof = new ChunkProof { PacketDigest = packets.Digest(0, packets.Pts.Count), ParameterSetsSha256 = packets.ParameterSets };
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
