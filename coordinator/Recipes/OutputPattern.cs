using System.Text;
using RenderFarm.Protos.Presets;

namespace RenderFarm.Coordinator.Recipes;

/// <summary>
/// A recipe's output pattern: text with tokens (<c>{dir}</c>, <c>{name}</c>, ...) replaced for each input. Checked when
/// the recipe is saved, so a batch never fails on a pattern; filled in at submission.
/// </summary>
public static class OutputPattern
{
    public const int MaxLength = 1000;

    /// <summary>The tokens a pattern may use.</summary>
    public static readonly IReadOnlyList<string> Tokens = ["dir", "name", "ext", "date", "recipe", "version", "width", "height", "batch"];

    private const string Field = "recipe.output_pattern";

    /// <summary>Adds to <paramref name="problems"/> what is wrong with <paramref name="pattern"/> for a recipe writing with <paramref name="preset"/>.</summary>
    public static void Validate(string pattern, PresetInfo? preset, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(pattern))
        {
            problems.Add($"{Field}: is required, e.g. \"proxies/{{dir}}/{{name}}{preset?.Extensions[0] ?? ".mp4"}\"");
            return;
        }

        if (pattern.Length > MaxLength) problems.Add($"{Field}: is longer than {MaxLength} characters");
        if (pattern.Any(char.IsControl)) problems.Add($"{Field}: contains control characters");
        if (pattern.Contains('\\')) problems.Add($"{Field}: use '/' between folders, not '\\'");
        if (pattern.Split('/').Any(segment => segment == ".." || segment == "."))
        {
            problems.Add($"{Field}: must not contain '.' or '..' folders; outputs stay inside the media roots");
        }

        if (!TryParse(pattern, out var parts, out var error))
        {
            problems.Add($"{Field}: {error}");
            return;
        }

        var tokens = parts.Where(p => p.IsToken).Select(p => p.Text).ToHashSet(StringComparer.Ordinal);
        if (!tokens.Contains("name")) problems.Add($"{Field}: must contain {{name}}, or every input of a batch would write the same file");
        if (pattern.EndsWith('/')) problems.Add($"{Field}: ends with '/'; it must name a file, e.g. \"{pattern}{{name}}{preset?.Extensions[0] ?? ".mp4"}\"");
        if (preset is null) return;

        var last = parts[^1];
        var ext = last.IsToken ? "" : Path.GetExtension(last.Text).ToLowerInvariant();
        if (!preset.Extensions.Contains(ext))
        {
            problems.Add($"{Field}: preset {preset.Name} writes {string.Join(" or ", preset.Extensions)} files; end the pattern with {preset.Extensions[0]} (it ends with '{(last.IsToken ? "{" + last.Text + "}" : last.Text)}')");
        }
    }

    /// <summary>
    /// The folders at the start of the pattern that hold no token ("proxies" of "proxies/{dir}/{name}.mp4"; "" when the
    /// first folder has one): every output lies beneath it, so a watch folder does not take its outputs as new inputs.
    /// </summary>
    public static string LiteralFolder(string pattern)
    {
        var segments = pattern.Split('/');
        var literal = segments.Take(segments.Length - 1).TakeWhile(s => !s.Contains('{', StringComparison.Ordinal)).Where(s => s.Length > 0);
        return (pattern.StartsWith('/') ? "/" : "") + string.Join('/', literal);
    }

    /// <summary>Whether the pattern names the source's picture size (which needs a probe of each input).</summary>
    public static bool NeedsPictureSize(string pattern) => pattern.Contains("{width}", StringComparison.Ordinal) || pattern.Contains("{height}", StringComparison.Ordinal);

    /// <summary>
    /// The pattern with every token replaced by its value, as a path: empty folders (an empty {dir}) dropped, absolute when
    /// the pattern is. The pattern must have passed <see cref="Validate"/>.
    /// </summary>
    public static string Expand(string pattern, IReadOnlyDictionary<string, string> values)
    {
        if (!TryParse(pattern, out var parts, out var error)) throw new ArgumentException(error, nameof(pattern));
        var text = new StringBuilder();
        foreach (var part in parts) text.Append(part.IsToken ? values.GetValueOrDefault(part.Text, "") : part.Text);
        var segments = text.ToString().Split('/', StringSplitOptions.RemoveEmptyEntries);
        return (pattern.StartsWith('/') ? "/" : "") + string.Join('/', segments);
    }

    private readonly record struct Part(string Text, bool IsToken);

    private static bool TryParse(string pattern, out List<Part> parts, out string error)
    {
        parts = [];
        error = "";
        var literal = new StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '}')
            {
                error = $"'}}' at position {i + 1} closes no token; tokens are written {{name}}";
                return false;
            }

            if (c != '{')
            {
                literal.Append(c);
                continue;
            }

            var end = pattern.IndexOf('}', i + 1);
            if (end < 0)
            {
                error = $"'{{' at position {i + 1} is not closed; tokens are written {{name}}";
                return false;
            }

            var token = pattern[(i + 1)..end];
            if (!Tokens.Contains(token))
            {
                error = $"{{{token}}} is not a token; use {string.Join(", ", Tokens.Select(t => "{" + t + "}"))}";
                return false;
            }

            if (literal.Length > 0) parts.Add(new Part(literal.ToString(), false));
            literal.Clear();
            parts.Add(new Part(token, true));
            i = end;
        }

        if (literal.Length > 0) parts.Add(new Part(literal.ToString(), false));
        return true;
    }
}
