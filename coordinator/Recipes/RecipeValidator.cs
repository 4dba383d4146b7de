using System.Text.RegularExpressions;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Recipes;

/// <summary>
/// Checks a recipe when it is saved: its name, its output settings, grade and chunking by the same rules as a job's
/// (<see cref="JobValidator"/>), and its output pattern. Every problem is reported at once, each naming its field.
/// </summary>
public sealed partial class RecipeValidator(JobValidator jobs)
{
    public const int MaxDescriptionLength = 500;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();

    /// <summary>Why <paramref name="name"/> cannot name a recipe, or null.</summary>
    public static string? NameProblem(string name) =>
        string.IsNullOrEmpty(name) ? "recipe.name: is required"
        : NamePattern().IsMatch(name) ? null
        : $"recipe.name: '{name}' is not a recipe name; use 1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit";

    /// <summary>Throws <see cref="JobValidationException"/> listing every problem of <paramref name="recipe"/>.</summary>
    public void Validate(Recipe? recipe)
    {
        if (recipe is null) throw new JobValidationException(["recipe: is required"]);
        var problems = new List<string>();
        if (NameProblem(recipe.Name) is { } name) problems.Add(name);
        if (recipe.Description.Length > MaxDescriptionLength) problems.Add($"recipe.description: is longer than {MaxDescriptionLength} characters");
        if (recipe.Description.Any(c => char.IsControl(c) && c != '\n')) problems.Add("recipe.description: contains control characters");
        if (recipe.Priority is < -100 or > 100) problems.Add($"recipe.priority: {recipe.Priority} is outside -100..100");
        if (recipe.HasMaxRetries && recipe.MaxRetries > 10) problems.Add($"recipe.max_retries: {recipe.MaxRetries} is more than 10");
        JobValidator.ValidateNotifyUrls("recipe.notify_urls", recipe.NotifyUrls, problems);

        // The job rules, on a job made of the recipe; their messages name the recipe's fields.
        var spec = new JobSpec { Output = recipe.Output, Grade = recipe.Grade, ChunkDuration = recipe.ChunkDuration, WholeFile = recipe.WholeFile };
        var jobProblems = new List<string>();
        jobs.ValidateChunking(spec, jobProblems);
        var preset = jobs.ValidateOutput(spec, jobProblems);
        if (recipe.Grade is { } grade) jobs.ValidateGrade(grade, jobProblems, out _);
        problems.AddRange(jobProblems.Select(p => p.StartsWith("spec.", StringComparison.Ordinal) ? "recipe." + p["spec.".Length..] : p));

        OutputPattern.Validate(recipe.OutputPattern, preset, problems);
        if (problems.Count > 0) throw new JobValidationException(problems);
    }
}
