namespace RenderFarm.Agent.Media.Mp4;

/// <summary>What <see cref="Mp4Reader"/> read from an MP4/MOV file.</summary>
/// <param name="Info">
/// The file described as ffprobe would (frame count from the sample table). Its rotation is 0, or -1 when the video
/// track's matrix is not the identity: ffprobe then reads the rotation (<paramref name="Complete"/> is false).
/// </param>
/// <param name="Complete">
/// True when every fact of <paramref name="Info"/> was read from the file (H.264, ProRes); false when the video's
/// profile, pixel format and colour must still be read by ffprobe (the sample counts, the audio and the file's
/// wholeness are known either way).
/// </param>
/// <param name="AudioSamples">Samples of the first audio track (0 without audio).</param>
public sealed record Mp4Facts(SourceInfo Info, bool Complete, long AudioSamples);
