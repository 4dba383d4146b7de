using System.CommandLine;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Commands.Submit;

/// <summary>
/// The arguments and options every submit takes (input, output, preset and output settings) and the
/// <see cref="JobSpec"/> they make. Only syntax is checked here; the coordinator owns the rules.
/// </summary>
internal sealed class JobSpecOptions
{
    /// <summary>Preset and output settings.</summary>
    public OutputSettingsOptions Settings { get; } = new();

    public Argument<string?> Input { get; } = new("INPUT")
    {
        Description = "Source media file (relative paths are made absolute); left out with --input-from.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public Argument<string?> Output { get; } = new("OUTPUT") { Description = "File to publish; its extension must suit the preset.", Arity = ArgumentArity.ZeroOrOne };

    public Option<string[]> Notify { get; } = new("--notify")
    {
        Description = "A URL the coordinator POSTs to when the job ends (succeeded, failed or canceled); repeat for several. See docs/notifications.md.",
        HelpName = "URL",
    };

    public Option<string?> InputFrom { get; } = new("--input-from")
    {
        Description = "Take the input from another job's output (a chain): this job waits until that job succeeds and its output is checked. Give only OUTPUT.",
        HelpName = "JOB",
    };

    public Option<int> Priority { get; } = new("--priority") { Description = "-100 to 100; higher runs first.", HelpName = "N" };

    public Option<uint?> Retries { get; } = new("--retries") { Description = "Transient failures retried before the job fails (default 3, at most 10).", HelpName = "N" };

    public Option<bool> Overwrite { get; } = new("--overwrite") { Description = "Replace an existing OUTPUT (refused otherwise)." };

    public Option<string?> Name { get; } = new("--name") { Description = "A label for people, shown by farmctl jobs.", HelpName = "TEXT" };

    public Option<string?> Chunk { get; } = new("--chunk")
    {
        Description = "Split a long input into chunks of about this length, encoded in parallel on free agents and joined, e.g. 20s (default: the coordinator's).",
        HelpName = "DURATION",
    };

    public Option<bool> WholeFile { get; } = new("--whole-file") { Description = "Render as one task even when the coordinator splits long inputs." };

    /// <summary>--require-tag, --pool, --max-agents and --limit-group.</summary>
    public RoutingOptions Routing { get; } = new();

    /// <summary>--start-at, --cron, --depends-on and the attempt time limits.</summary>
    public ScheduleOptions Schedule { get; } = new();

    public Option<bool> Wait { get; } = new("--wait")
    {
        Description = "Follow the job with a live progress bar until it ends; exit 0 if it succeeded, 1 if it failed, 2 if it was canceled.",
    };

    public void AddTo(Command command)
    {
        command.Arguments.Add(Input);
        command.Arguments.Add(Output);
        Settings.AddTo(command);
        Option[] options = [Priority, Retries, Overwrite, Name, Chunk, WholeFile, Wait, InputFrom, Notify];
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        Schedule.AddTo(command);
        Routing.AddTo(command);

        Chunk.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !DurationText.TryParse(text, out _))
            {
                result.AddError($"--chunk '{text}' is not a duration, e.g. {DurationText.Examples}.");
            }
        });
        Priority.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < -100 or > 100)
            {
                result.AddError("--priority must be between -100 and 100.");
            }
        });
        command.Validators.Add(result =>
        {
            var paths = new[] { result.GetValue(Input), result.GetValue(Output) }.Count(p => p is not null);
            if (result.GetValue(InputFrom) is { } from)
            {
                if (string.IsNullOrWhiteSpace(from)) result.AddError("--input-from needs a job id.");
                if (paths != 1) result.AddError("With --input-from give only OUTPUT: the input is that job's output.");
            }
            else if (paths != 2)
            {
                result.AddError("Give INPUT and OUTPUT (or --input-from JOB and OUTPUT).");
            }

            if (result.GetValue(Chunk) is not null && result.GetValue(WholeFile))
            {
                result.AddError("--chunk and --whole-file contradict each other: choose one.");
            }

            if (result.GetValue(Wait) && result.GetValue(Schedule.Cron) is not null)
            {
                result.AddError("--wait cannot follow a recurring job: each --cron firing is a job of its own (see them with `farmctl job ID`).");
            }
        });
    }

    /// <summary>
    /// The spec to submit; relative paths are resolved against <paramref name="currentDirectory"/> and a
    /// relative --start-at against <paramref name="time"/>.
    /// </summary>
    public JobSpec ToSpec(ParseResult result, string currentDirectory, TimeProvider time)
    {
        var output = Settings.ToOutputSettings(result);

        // With --input-from the one path given is the output (the parser hands it to INPUT, the first argument).
        var from = result.GetValue(InputFrom)?.Trim();
        var input = from is null ? result.GetValue(Input) : null;
        var outputPath = from is null ? result.GetValue(Output) : result.GetValue(Output) ?? result.GetValue(Input);
        var spec = new JobSpec
        {
            Name = result.GetValue(Name) ?? "",
            InputPath = input is null ? "" : Absolute(input, currentDirectory),
            InputFromJob = from ?? "",
            OutputPath = Absolute(outputPath!, currentDirectory),
            Output = output,
            Priority = result.GetValue(Priority),
            Overwrite = result.GetValue(Overwrite),
            WholeFile = result.GetValue(WholeFile),
        };
        if (result.GetValue(Chunk) is { } chunk && DurationText.TryParse(chunk, out var chunkLength))
        {
            spec.ChunkDuration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(chunkLength);
        }
        spec.NotifyUrls.AddRange(result.GetValue(Notify) ?? []);
        if (result.GetValue(Retries) is { } retries)
        {
            spec.MaxRetries = retries;
        }

        Schedule.ApplyTo(spec, result, time);
        Routing.ApplyTo(spec, result);
        return spec;
    }

    public static string Absolute(string path, string currentDirectory) => Path.GetFullPath(path, currentDirectory);
}
