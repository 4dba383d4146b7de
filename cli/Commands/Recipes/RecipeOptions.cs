using System.CommandLine;
using RenderFarm.Cli.Commands.Submit;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Commands.Recipes;

/// <summary>
/// What `farmctl recipes create` takes: the output pattern, the output settings and grade a job would take, priority,
/// retries and chunking. Only syntax is checked here; the coordinator checks the recipe when it is saved.
/// </summary>
internal sealed class RecipeOptions
{
    private readonly Choices<AudioCodec> _audio = new("--audio", "Audio codec (default: the preset's); none drops the audio.",
        new Dictionary<string, AudioCodec> { ["aac"] = AudioCodec.Aac, ["pcm"] = AudioCodec.Pcm, ["opus"] = AudioCodec.Opus, ["none"] = AudioCodec.None });

    private readonly Choices<HdrMode> _hdr = new("--hdr", "HDR sources: auto, sdr (always tone-map) or keep.",
        new Dictionary<string, HdrMode> { ["auto"] = HdrMode.Unspecified, ["sdr"] = HdrMode.ToneMapSdr, ["keep"] = HdrMode.Keep });

    public Argument<string> Name { get; } = new("NAME") { Description = "The recipe's name: letters, digits, '-', '_' or '.'." };

    public Option<string> Pattern { get; } = new("--output")
    {
        Description = "Output pattern with tokens {dir} {name} {ext} {date} {recipe} {version} {width} {height} {batch}, " +
                      "e.g. proxies/{dir}/{name}.mp4 (relative = inside the input's media root).",
        HelpName = "PATTERN",
        Required = true,
    };

    public Option<string> Preset { get; } = new("--preset") { Description = $"Output preset: {PresetCatalog.Names}.", HelpName = "NAME", Required = true };

    public Option<string?> Description { get; } = new("--description") { Description = "What the recipe is for.", HelpName = "TEXT" };

    public Option<uint> MaxWidth { get; } = new("--max-width") { Description = "Fit the picture inside this width.", HelpName = "N" };

    public Option<uint> MaxHeight { get; } = new("--max-height") { Description = "Fit the picture inside this height.", HelpName = "N" };

    public Option<string?> Fps { get; } = new("--fps") { Description = "Constant frame rate, e.g. 25 or 30000/1001.", HelpName = "RATE" };

    public Option<bool> KeepTiming { get; } = new("--keep-timing") { Description = "Keep every source frame and its timestamp." };

    public Option<uint> Crf { get; } = new("--crf") { Description = "Quality for delivery presets, lower is better.", HelpName = "N" };

    public Option<uint> BitDepth { get; } = new("--bit-depth") { Description = "8 or 10 for delivery presets.", HelpName = "8|10" };

    public Option<int> Priority { get; } = new("--priority") { Description = "-100 to 100; higher runs first.", HelpName = "N" };

    public Option<uint?> Retries { get; } = new("--retries") { Description = "Transient failures retried before a job fails.", HelpName = "N" };

    public Option<bool> Overwrite { get; } = new("--overwrite") { Description = "Replace outputs that exist (refused otherwise)." };

    public Option<string?> Chunk { get; } = new("--chunk") { Description = "Split long inputs into chunks of about this length, e.g. 20s.", HelpName = "DURATION" };

    public Option<bool> WholeFile { get; } = new("--whole-file") { Description = "Render each input as one task." };

    public Option<string[]> Notify { get; } = new("--notify")
    {
        Description = "A URL the coordinator POSTs to when each job made with the recipe ends; repeat for several. See docs/notifications.md.",
        HelpName = "URL",
    };

    public GradeOptions Grade { get; } = new();

    public void AddTo(Command command)
    {
        command.Arguments.Add(Name);
        Option[] options = [Pattern, Preset, Description, MaxWidth, MaxHeight, Fps, KeepTiming, _audio.Option, Crf, BitDepth, _hdr.Option, Priority, Retries,
            Overwrite, Chunk, WholeFile, Notify, Grade.Lut, Grade.Exposure, Grade.Contrast, Grade.Saturation, Grade.Temperature];
        foreach (var option in options) command.Options.Add(option);
        Preset.Validators.Add(result =>
        {
            var name = result.GetValueOrDefault<string>();
            if (!PresetCatalog.TryGetByName(name, out _)) result.AddError($"Unknown preset '{name}'. Valid presets: {PresetCatalog.Names}.");
        });
        Chunk.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !DurationText.TryParse(text, out _)) result.AddError($"--chunk '{text}' is not a duration, e.g. {DurationText.Examples}.");
        });
        command.Validators.Add(result =>
        {
            if (result.GetValue(Fps) is not null && result.GetValue(KeepTiming)) result.AddError("--fps and --keep-timing contradict each other.");
        });
    }

    public Recipe ToRecipe(ParseResult result, string currentDirectory)
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

        var recipe = new Recipe
        {
            Name = result.GetValue(Name)!,
            Description = result.GetValue(Description) ?? "",
            OutputPattern = result.GetValue(Pattern)!,
            Output = output,
            Priority = result.GetValue(Priority),
            Overwrite = result.GetValue(Overwrite),
            WholeFile = result.GetValue(WholeFile),
        };
        if (result.GetValue(Chunk) is { } chunk && DurationText.TryParse(chunk, out var length)) recipe.ChunkDuration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(length);
        if (result.GetValue(Retries) is { } retries) recipe.MaxRetries = retries;
        recipe.NotifyUrls.AddRange(result.GetValue(Notify) ?? []);
        var grade = Grade.ToGrade(result, currentDirectory);
        if (grade.LutPath.Length > 0 || grade.HasExposure || grade.HasContrast || grade.HasSaturation || grade.HasTemperature) recipe.Grade = grade;
        return recipe;
    }
}
