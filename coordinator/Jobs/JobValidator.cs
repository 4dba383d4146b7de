using System.Globalization;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Media;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;
using Microsoft.Extensions.Options;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>
/// Checks a submitted job spec and turns it into the work an agent receives. Every problem is reported
/// at once, each naming its field (as in the proto) and what a person should change.
/// </summary>
public sealed class JobValidator(MediaRoots roots, IOptions<CoordinatorOptions> options, TimeProvider? time = null)
{
    public const int MaxNameLength = 200;
    public const int MaxFileNameBytes = 255;
    public const int MaxDimension = 8192;
    public const int MaxNotifyUrls = 5;
    public static readonly TimeSpan MinChunkDuration = TimeSpan.FromSeconds(0.5);
    public static readonly TimeSpan MaxChunkDuration = TimeSpan.FromHours(1);

    public sealed record ValidatedJob(JobSpec Spec, Assignment Work, TaskRequirements Requirements, int MaxRetries, JobTiming Timing);

    /// <summary>
    /// Checks <paramref name="spec"/>. For a chain (<c>input_from_job</c>), <paramref name="parent"/> is the job its input
    /// comes from as read before (null: there is none); its output path becomes the input, checked once it has been
    /// written (the parent's state is checked again inside the submitting transaction).
    /// </summary>
    public ValidatedJob Validate(JobSpec? spec, JobRecord? parent = null)
    {
        var problems = new List<string>();
        if (spec is null)
        {
            throw new JobValidationException(["spec: is required"]);
        }

        if (spec.Name.Length > MaxNameLength) problems.Add($"spec.name: is longer than {MaxNameLength} characters");
        if (spec.Name.Any(char.IsControl)) problems.Add("spec.name: contains control characters");
        if (spec.Priority is < -100 or > 100) problems.Add($"spec.priority: {spec.Priority} is outside -100..100");
        if (spec.HasMaxRetries && spec.MaxRetries > 10) problems.Add($"spec.max_retries: {spec.MaxRetries} is more than 10");

        var routing = ValidateRouting(spec, problems);
        ValidateNotifyUrls(spec, problems);
        var timing = JobTimingValidator.Validate(spec, options.Value, (time ?? TimeProvider.System).GetUtcNow(), problems);
        var chunked = ValidateChunking(spec, problems);
        FileIdentity? inputIdentity = null;
        var input = JobChains.IsChained(spec) ? ChainedInput(spec, parent, problems) : ResolveExisting("spec.input_path", spec.InputPath, problems, out inputIdentity);
        var output = Resolve("spec.output_path", spec.OutputPath, problems);
        var preset = ValidateOutput(spec, problems);

        MediaRef? lut = null;
        FileIdentity? lutIdentity = null;
        var filters = new List<string>();
        if (spec.Grade is { } grade)
        {
            lut = ValidateGrade(grade, problems, out lutIdentity);
            if (lut is not null) filters.Add("lut3d");
            if (grade.HasTemperature) filters.Add("colortemperature");
            if (grade.HasExposure) filters.Add("exposure");
        }


        if (output is not null)
        {
            CheckOutputPlace(spec, output, inputIdentity, lutIdentity, problems);
            if (input is not null && input.Equals(output))
            {
                problems.Add(JobChains.IsChained(spec)
                    ? $"spec.output_path: is the output of job '{spec.InputFromJob}', this job's input; choose another output path"
                    : "spec.output_path: must differ from spec.input_path");
            }
            if (preset is not null)
            {
                var ext = Path.GetExtension(output.Path).ToLowerInvariant();
                if (!preset.Extensions.Contains(ext))
                {
                    problems.Add($"spec.output_path: preset {preset.Name} writes {string.Join(" or ", preset.Extensions)} files, not '{ext}'");
                }
            }
        }

        if (problems.Count > 0) throw new JobValidationException(problems);

        filters.Add("zscale");
        var work = new Assignment
        {
            Input = input,
            Output = output,
            Settings = spec.Output,
            Overwrite = spec.Overwrite,
            // A chunked job starts with a probe; the coordinator plans the chunks (or one whole render) from its result.
            Kind = chunked ? TaskKind.Probe : TaskKind.Unspecified,
            InputFromJob = spec.InputFromJob,
        };
        if (spec.Grade is { } g)
        {
            work.Grade = g.Clone();
            work.Grade.LutPath = "";
            if (lut is not null) work.Lut = lut;
        }

        var mediaRoots = new[] { input!.Root, output!.Root }.Concat(lut is null ? [] : [lut.Root]).Distinct().ToList();
        var requirements = new TaskRequirements(preset!.VideoEncoder, filters, mediaRoots)
        {
            Tags = routing.Tags, Pool = routing.Pool, MaxAgents = routing.MaxAgents, LimitGroup = routing.LimitGroup,
        };
        var maxRetries = spec.HasMaxRetries ? (int)spec.MaxRetries : options.Value.DefaultMaxRetries;
        return new ValidatedJob(spec, work, requirements, maxRetries, timing);
    }

    /// <summary>The routing rules of <paramref name="spec"/> (docs/routing.md): names that hold no separator, and a limit group this coordinator knows.</summary>
    private TaskRequirements ValidateRouting(JobSpec spec, List<string> problems)
    {
        foreach (var tag in spec.RequiredTags.Where(t => !RoutingNames.IsValid(t))) problems.Add($"spec.required_tags: '{tag}' is not a tag: {RoutingNames.Rule}");
        if (spec.Pool.Length > 0 && !RoutingNames.IsValid(spec.Pool)) problems.Add($"spec.pool: '{spec.Pool}' is not a pool name: {RoutingNames.Rule}");
        if (spec.MaxAgents > 10_000) problems.Add($"spec.max_agents: {spec.MaxAgents} is more than 10000 (0 = no cap)");
        var group = spec.LimitGroup.ToLowerInvariant();
        if (group.Length > 0 && !options.Value.Limits.ContainsKey(group))
        {
            var known = options.Value.Limits.Count == 0 ? "none is configured (Coordinator:Limits:NAME=N)" : "configured: " + string.Join(", ", options.Value.Limits.Keys.Order(StringComparer.Ordinal));
            problems.Add($"spec.limit_group: '{spec.LimitGroup}' is not a limit group of this farm; {known}");
        }

        return new TaskRequirements("", [], [])
        {
            Tags = spec.RequiredTags.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            Pool = spec.Pool,
            MaxAgents = (int)Math.Min(spec.MaxAgents, 10_000),
            LimitGroup = group,
        };
    }

    /// <summary>The job's own webhook receivers: at most <see cref="MaxNotifyUrls"/>, each an absolute http or https URL.</summary>
    private static void ValidateNotifyUrls(JobSpec spec, List<string> problems) => ValidateNotifyUrls("spec.notify_urls", spec.NotifyUrls, problems);

    /// <summary>Webhook receivers named in a request (a job's, a batch's, a watch folder's): at most <see cref="MaxNotifyUrls"/>, each an absolute http or https URL.</summary>
    public static void ValidateNotifyUrls(string field, IReadOnlyList<string> urls, List<string> problems)
    {
        if (urls.Count > MaxNotifyUrls) problems.Add($"{field}: more than {MaxNotifyUrls} URLs");
        for (var i = 0; i < urls.Count; i++)
        {
            var url = urls[i];
            if (url.Length > 2000 || url.Any(char.IsControl) || !Notifications.NotificationExtensions.IsHttpUrl(url))
            {
                problems.Add($"{field}[{i}]: '{(url.Length > 100 ? url[..100] + "..." : url)}' is not an absolute http or https URL");
            }
        }
    }

    /// <summary>
    /// The input of a chain: the output path of the job named in <c>input_from_job</c>, which need not exist yet (it is
    /// opened, hashed and probed once that job succeeds).
    /// </summary>
    private MediaRef? ChainedInput(JobSpec spec, JobRecord? parent, List<string> problems)
    {
        const string Field = "spec.input_from_job";
        if (spec.InputPath.Length > 0) problems.Add($"spec.input_path: leave it empty when {Field} is set; the input is that job's output");
        if (spec.Cron.Length > 0) problems.Add($"{Field}: a recurring job cannot take its input from another job");
        if (spec.InputFromJob.Length > 100 || spec.InputFromJob.Any(char.IsControl) || string.IsNullOrWhiteSpace(spec.InputFromJob))
        {
            problems.Add($"{Field}: is not a job id");
            return null;
        }

        if (parent is null || parent.Id != spec.InputFromJob)
        {
            problems.Add($"{Field}: job '{spec.InputFromJob}' does not exist");
            return null;
        }

        if (parent.IsRecurring)
        {
            problems.Add($"{Field}: job '{parent.Id}' is recurring; take the input from one of its runs");
            return null;
        }

        return Resolve(Field, parent.Spec.OutputPath, problems);
    }

    /// <summary>Whether the job may be split: a chunk length is set (on the job or the coordinator) and the job does not ask for a whole file.</summary>
    internal bool ValidateChunking(JobSpec spec, List<string> problems)
    {
        if (spec.ChunkDuration is { } given && ProtoTime.DurationProblem("spec.chunk_duration", given) is { } malformed)
        {
            problems.Add(malformed);
            return false;
        }

        var length = spec.ChunkDuration?.ToTimeSpan() ?? TimeSpan.Zero;
        if (length != TimeSpan.Zero && (length < MinChunkDuration || length > MaxChunkDuration))
        {
            problems.Add($"spec.chunk_duration: {length.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s is outside {MinChunkDuration.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s..{MaxChunkDuration.TotalHours.ToString(CultureInfo.InvariantCulture)} h (0 = the coordinator's default)");
            return false;
        }

        if (spec.WholeFile && length > TimeSpan.Zero) problems.Add("spec.whole_file: cannot be combined with chunk_duration; clear one of them");
        return !spec.WholeFile && (length > TimeSpan.Zero || options.Value.Chunking.ChunkDuration > TimeSpan.Zero);
    }

    /// <summary>
    /// Why a folder along <paramref name="output"/> cannot hold it, or null: a part of the path that exists as a file
    /// (<c>notadir.mp4/o.mp4</c>), or a link that leads nowhere. A message only: the output is written through
    /// folders opened beneath the root, whatever this finds. Folders that do not exist yet are made when publishing.
    /// </summary>
    private string? BlockedFolder(MediaRef output)
    {
        var parts = output.Path.Split('/');
        for (var i = 1; i < parts.Length; i++)
        {
            var folder = string.Join('/', parts[..i]);
            var local = roots.DisplayPath(new MediaRef { Root = output.Root, Path = folder });
            if (Directory.Exists(local)) continue;
            var info = new FileInfo(local);
            if (info.LinkTarget is { } target && info.ResolveLinkTarget(returnFinalTarget: true) is not { Exists: true })
            {
                return $"'{folder}' is a link to '{target}', which does not exist; fix the link or choose another output folder";
            }

            return info.Exists ? $"'{folder}' is a file, not a folder, so nothing can be written beneath it; choose another output folder" : null;
        }

        return null;
    }

    internal PresetInfo? ValidateOutput(JobSpec spec, List<string> problems)
    {
        var o = spec.Output;
        if (o is null || o.Preset == Preset.Unspecified)
        {
            problems.Add($"spec.output.preset: is required; one of {PresetCatalog.Names}");
            return null;
        }

        if (!PresetCatalog.TryGet(o.Preset, out var preset))
        {
            problems.Add($"spec.output.preset: {(int)o.Preset} is not a known preset; one of {PresetCatalog.Names}");
            return null;
        }

        if (o.MaxWidth > MaxDimension) problems.Add($"spec.output.max_width: {o.MaxWidth} is more than {MaxDimension}");
        if (o.MaxHeight > MaxDimension) problems.Add($"spec.output.max_height: {o.MaxHeight} is more than {MaxDimension}");
        if (o.MaxWidth is > 0 and < 16) problems.Add($"spec.output.max_width: {o.MaxWidth} is less than 16");
        if (o.MaxHeight is > 0 and < 16) problems.Add($"spec.output.max_height: {o.MaxHeight} is less than 16");
        if (!Enum.IsDefined(o.FrameRateMode)) problems.Add($"spec.output.frame_rate_mode: {(int)o.FrameRateMode} is not a known mode");
        if (!Enum.IsDefined(o.AudioCodec)) problems.Add($"spec.output.audio_codec: {(int)o.AudioCodec} is not a known codec");
        if (!Enum.IsDefined(o.HdrMode)) problems.Add($"spec.output.hdr_mode: {(int)o.HdrMode} is not a known mode");

        if (o.FrameRate.Length > 0)
        {
            if (!TryParseRate(o.FrameRate, out var fps) || fps is < 1 or > 240)
            {
                problems.Add($"spec.output.frame_rate: '{o.FrameRate}' is not a rate between 1 and 240 (write 25 or 30000/1001)");
            }
            else if (o.FrameRateMode == FrameRateMode.Keep)
            {
                problems.Add("spec.output.frame_rate: cannot be set when frame_rate_mode is KEEP");
            }
        }

        if (o.Crf != 0 && !preset.UsesCrf) problems.Add($"spec.output.crf: preset {preset.Name} has a fixed quality and takes no CRF");
        if (o.Crf > preset.MaxCrf && preset.UsesCrf) problems.Add($"spec.output.crf: {o.Crf} is more than {preset.MaxCrf} for {preset.Name}");
        if (o.BitDepth != 0 && !preset.Supports(o.BitDepth))
        {
            problems.Add($"spec.output.bit_depth: {preset.Name} writes {string.Join(" or ", preset.BitDepths)}-bit, not {o.BitDepth}");
        }

        var bitDepth = o.BitDepth == 0 ? preset.DefaultBitDepth : o.BitDepth;
        if (o.HdrMode == HdrMode.Keep && bitDepth < 10)
        {
            problems.Add($"spec.output.hdr_mode: KEEP needs a 10-bit output; {preset.Name} here is {bitDepth}-bit (set bit_depth 10 or tone-map)");
        }

        if (o.HdrMode == HdrMode.Keep && spec.Grade is { LutPath.Length: > 0 })
        {
            problems.Add("spec.output.hdr_mode: KEEP cannot be combined with a LUT, which expects Rec.709 SDR");
        }

        return preset;
    }

    internal MediaRef? ValidateGrade(Grade grade, List<string> problems, out FileIdentity? identity)
    {
        identity = null;
        var any = grade.LutPath.Length > 0 || grade.HasExposure || grade.HasContrast || grade.HasSaturation || grade.HasTemperature;
        if (!any) problems.Add("spec.grade: set at least one of lut_path, exposure, contrast, saturation, temperature (or leave grade out for a plain transcode)");
        CheckRange("spec.grade.exposure", grade.HasExposure, grade.Exposure, -4, 4, problems);
        CheckRange("spec.grade.contrast", grade.HasContrast, grade.Contrast, 0.25, 4, problems);
        CheckRange("spec.grade.saturation", grade.HasSaturation, grade.Saturation, 0, 3, problems);
        CheckRange("spec.grade.temperature", grade.HasTemperature, grade.Temperature, 1000, 40000, problems);
        if (grade.LutPath.Length == 0) return null;

        var lut = ResolveExisting("spec.grade.lut_path", grade.LutPath, problems, out identity);
        if (lut is not null && !lut.Path.EndsWith(".cube", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"spec.grade.lut_path: '{grade.LutPath}' is not a .cube 3D LUT");
        }

        return lut;
    }

    private static void CheckRange(string field, bool present, double value, double min, double max, List<string> problems)
    {
        if (!present) return;
        if (!double.IsFinite(value) || value < min || value > max)
        {
            problems.Add($"{field}: {value.ToString(CultureInfo.InvariantCulture)} is outside {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private MediaRef? Resolve(string field, string path, List<string> problems)
    {
        if (roots.TryResolve(path, out var media, out var error)) return media;
        problems.Add($"{field}: {error}");
        return null;
    }

    /// <summary>
    /// Resolves a path that must name a file with content, and checks the file itself: opened once beneath its root
    /// (a link that leads out is refused, a FIFO or device is refused without blocking), a regular file, not empty.
    /// </summary>
    private MediaRef? ResolveExisting(string field, string path, List<string> problems) => ResolveExisting(field, path, problems, out _);

    private MediaRef? ResolveExisting(string field, string path, List<string> problems, out FileIdentity? identity)
    {
        identity = null;
        var media = Resolve(field, path, problems);
        if (media is null) return null;
        try
        {
            using var file = roots.OpenFile(media);
            if (file.Length == 0)
            {
                problems.Add($"{field}: '{path}' is empty");
                return null;
            }

            identity = file.Identity;
            return media;
        }
        catch (MediaAccessException ex)
        {
            problems.Add(ex.NotFound ? $"{field}: '{path}' does not exist" : $"{field}: {ex.Message}");
            return null;
        }
    }

    /// <summary>
    /// Checks where the output will go: its folder opened beneath the root (a folder that does not exist yet is made
    /// beneath the root when the output is written), its name short enough, and what is at that name now: nothing, or
    /// a regular file that is not the input's file (compared by identity, so no link makes the output the input).
    /// </summary>
    private void CheckOutputPlace(JobSpec spec, MediaRef output, FileIdentity? input, FileIdentity? lut, List<string> problems)
    {
        const string Field = "spec.output_path";
        var name = output.Path[(output.Path.LastIndexOf('/') + 1)..];
        if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxFileNameBytes)
        {
            problems.Add($"{Field}: the file name '{name}' is longer than {MaxFileNameBytes} bytes, more than file systems allow");
            return;
        }

        MediaDirectory folder;
        try
        {
            (folder, _) = roots.OpenFolder(output);
        }
        catch (MediaAccessException ex) when (ex.NotFound)
        {
            // Made beneath the root when the output is written, unless a part of it is a link that leads nowhere.
            if (BlockedFolder(output) is { } blocked) problems.Add($"{Field}: {blocked}");
            return;
        }
        catch (MediaAccessException ex)
        {
            // Name the part of the user's path that blocks it (a file where a folder belongs) when it can be named.
            problems.Add($"{Field}: {BlockedFolder(output) ?? ex.Message}");
            return;
        }

        using (folder)
        {
            try
            {
                using var existing = folder.OpenFile(name);
                if (input is { } same && existing.Identity == same) problems.Add($"{Field}: '{spec.OutputPath}' is the input's file; the output must differ from spec.input_path");
                else if (lut is { } grade && existing.Identity == grade) problems.Add($"{Field}: '{spec.OutputPath}' is the LUT file of spec.grade.lut_path; choose another output path");
                else if (!spec.Overwrite) problems.Add($"{Field}: '{spec.OutputPath}' already exists; set overwrite to replace it");
            }
            catch (MediaAccessException ex) when (ex.NotFound)
            {
                // Nothing there yet: the usual case.
            }
            catch (MediaAccessException ex)
            {
                problems.Add(ex.Message.Contains("is a folder", StringComparison.Ordinal)
                    ? $"{Field}: '{spec.OutputPath}' is a folder; name the file to write"
                    : $"{Field}: {ex.Message}");
            }
        }
    }

    /// <summary>Parses "25", "29.97" or "30000/1001".</summary>
    public static bool TryParseRate(string text, out double fps)
    {
        fps = 0;
        var parts = text.Split('/');
        if (parts.Length == 1) return double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out fps) && double.IsFinite(fps);
        if (parts.Length != 2) return false;
        if (!uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var num)) return false;
        if (!uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var den) || den == 0) return false;
        fps = (double)num / den;
        return true;
    }
}
