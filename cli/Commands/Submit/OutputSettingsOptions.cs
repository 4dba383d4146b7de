using System.CommandLine;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Commands.Submit;

/// <summary>
/// The output settings a submit or a recipe takes (preset, size, frame rate, audio, quality, HDR) and the
/// <see cref="OutputSettings"/> they make. Only syntax is checked here; the coordinator owns the rules.
/// </summary>
internal sealed class OutputSettingsOptions
{
    private readonly Choices<AudioCodec> _audio = new(
        "--audio",
        "Audio codec (default: the preset's: AAC for MP4, PCM for ProRes/DNxHR); none drops the audio.",
        new Dictionary<string, AudioCodec>
        {
            ["aac"] = AudioCodec.Aac,
            ["pcm"] = AudioCodec.Pcm,
            ["opus"] = AudioCodec.Opus,
            ["none"] = AudioCodec.None,
        });

    private readonly Choices<HdrMode> _hdr = new(
        "--hdr",
        "HDR sources: auto tone-maps to SDR for 8-bit outputs and grades and keeps HDR otherwise; sdr always tone-maps; keep keeps HDR.",
        new Dictionary<string, HdrMode>
        {
            ["auto"] = HdrMode.Unspecified,
            ["sdr"] = HdrMode.ToneMapSdr,
            ["keep"] = HdrMode.Keep,
        });

    public Option<string> Preset { get; } = new("--preset")
    {
        Description = $"Output preset: {PresetCatalog.Names}.",
        HelpName = "NAME",
        Required = true,
    };

    public Option<uint> MaxWidth { get; } = new("--max-width") { Description = "Fit the picture inside this width, keeping its aspect.", HelpName = "N" };

    public Option<uint> MaxHeight { get; } = new("--max-height") { Description = "Fit the picture inside this height, keeping its aspect.", HelpName = "N" };

    public Option<string?> Fps { get; } = new("--fps") { Description = "Constant frame rate, e.g. 25 or 30000/1001.", HelpName = "RATE" };

    public Option<bool> KeepTiming { get; } = new("--keep-timing") { Description = "Keep every source frame and its timestamp (variable rate stays variable)." };

    public Option<uint> Crf { get; } = new("--crf") { Description = "Quality for delivery presets, lower is better (default: the preset's).", HelpName = "N" };

    public Option<uint> BitDepth { get; } = new("--bit-depth") { Description = "8 or 10 for delivery presets (default: the preset's).", HelpName = "8|10" };

    public void AddTo(Command command)
    {
        Option[] options = [Preset, MaxWidth, MaxHeight, Fps, KeepTiming, _audio.Option, Crf, BitDepth, _hdr.Option];
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        Preset.Validators.Add(result =>
        {
            var name = result.GetValueOrDefault<string>();
            if (!PresetCatalog.TryGetByName(name, out _))
            {
                result.AddError($"Unknown preset '{name}'. Valid presets: {PresetCatalog.Names}.");
            }
        });
        Fps.Validators.Add(result =>
        {
            var rate = result.GetValueOrDefault<string?>();
            if (rate is not null && !FrameRate.IsValid(rate))
            {
                result.AddError($"--fps '{rate}' is not a frame rate: give a positive number or ratio, e.g. 25, 29.97 or 30000/1001.");
            }
        });
        BitDepth.AcceptOnlyFromAmong("8", "10");
        command.Validators.Add(result =>
        {
            if (result.GetValue(Fps) is not null && result.GetValue(KeepTiming))
            {
                result.AddError("--fps and --keep-timing contradict each other: a constant rate drops or repeats frames, keep-timing keeps them all.");
            }
        });
    }

    public OutputSettings ToOutputSettings(ParseResult result)
    {
        PresetCatalog.TryGetByName(result.GetValue(Preset)!, out var preset);
        var output = new OutputSettings
        {
            Preset = preset.Preset,
            MaxWidth = result.GetValue(MaxWidth),
            MaxHeight = result.GetValue(MaxHeight),
            AudioCodec = _audio.Get(result, AudioCodec.Unspecified),
            Crf = result.GetValue(Crf),
            BitDepth = result.GetValue(BitDepth),
            HdrMode = _hdr.Get(result, HdrMode.Unspecified),
        };
        if (result.GetValue(Fps) is { } fps)
        {
            output.FrameRateMode = FrameRateMode.Constant;
            output.FrameRate = fps;
        }
        else if (result.GetValue(KeepTiming))
        {
            output.FrameRateMode = FrameRateMode.Keep;
        }

        return output;
    }
}
