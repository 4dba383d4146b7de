using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Media;

/// <summary>The audio part of a render: ffmpeg arguments and the codec name ffprobe will report.</summary>
internal sealed record AudioPlan(IReadOnlyList<string> Arguments, string ProbeName)
{
    /// <summary>The audio to write, or null for none (no audio asked for, or the source has none).</summary>
    public static AudioPlan? Resolve(PresetInfo preset, AudioCodec codec, string extension, bool sourceHasAudio)
    {
        if (!Enum.IsDefined(codec))
        {
            throw new RenderSettingsException("audio_codec", $"unknown value {(int)codec}");
        }

        if (codec == AudioCodec.Unspecified)
        {
            codec = preset.DefaultAudio;
        }

        var mezzanine = preset.VideoEncoder is "prores_aw" or "dnxhd";
        var container = extension.TrimStart('.');
        var allowed = container switch
        {
            "mp4" or "m4v" => codec is AudioCodec.Aac or AudioCodec.Opus,
            "mov" => codec is AudioCodec.Aac or AudioCodec.Pcm,
            "mxf" => codec is AudioCodec.Pcm,
            _ => true,
        };
        if (codec != AudioCodec.None && !allowed)
        {
            throw new RenderSettingsException("audio_codec", $"{codec.ToString().ToUpperInvariant()} audio does not fit a {extension} file; choose another audio codec or output extension");
        }

        if (codec == AudioCodec.None || !sourceHasAudio)
        {
            return null;
        }

        return codec switch
        {
            AudioCodec.Aac => new AudioPlan(["-c:a", "aac", "-b:a", "192k"], "aac"),
            AudioCodec.Opus => new AudioPlan(["-c:a", "libopus", "-b:a", "160k"], "opus"),
            _ when mezzanine || container == "mxf" => new AudioPlan(["-c:a", "pcm_s24le", "-ar", "48000"], "pcm_s24le"),
            _ => new AudioPlan(["-c:a", "pcm_s16le"], "pcm_s16le"),
        };
    }
}
