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
    /// <summary>Preset and output settings, as `farmctl submit` takes them.</summary>
    public OutputSettingsOptions Settings { get; } = new();

    public Argument<string> Name { get; } = new("NAME") { Description = "The recipe's name: letters, digits, '-', '_' or '.'." };

    public Option<string> Pattern { get; } = new("--output")
    {
        Description = "Output pattern with tokens {dir} {name} {ext} {date} {recipe} {version} {width} {height} {batch}, " +
                      "e.g. proxies/{dir}/{name}.mp4 (relative = inside the input's media root).",
        HelpName = "PATTERN",
        Required = true,
    };

    public Option<string?> Description { get; } = new("--description") { Description = "What the recipe is for.", HelpName = "TEXT" };

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
        command.Options.Add(Pattern);
        Settings.AddTo(command);
        Option[] options = [Description, Priority, Retries, Overwrite, Chunk, WholeFile, Notify, Grade.Lut, Grade.Exposure, Grade.Contrast, Grade.Saturation, Grade.Temperature];
        foreach (var option in options) command.Options.Add(option);
        Chunk.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !DurationText.TryParse(text, out _)) result.AddError($"--chunk '{text}' is not a duration, e.g. {DurationText.Examples}.");
        });
    }

    public Recipe ToRecipe(ParseResult result, string currentDirectory)
    {
        var output = Settings.ToOutputSettings(result);

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
