using System.Globalization;

namespace RenderFarm.Coordinator.Tests.Support;

/// <summary>Samples of a Prometheus text exposition, keyed as written: <c>name{label="value"}</c> or <c>name</c>.</summary>
public sealed class PrometheusText
{
    private readonly Dictionary<string, double> _samples = new(StringComparer.Ordinal);

    public PrometheusText(string text)
    {
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('#')) continue;
            var space = line.LastIndexOf(' ');
            _samples[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
    }

    public string Text => string.Join('\n', _samples.Select(s => $"{s.Key} {s.Value}"));

    /// <summary>The samples whose key starts with <paramref name="prefix"/> (a metric whose labels a test cannot know in full).</summary>
    public IReadOnlyDictionary<string, double> StartingWith(string prefix) =>
        _samples.Where(s => s.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);

    public double? Find(string key) => _samples.TryGetValue(key, out var v) ? v : null;

    /// <summary>The sample's value; fails naming the samples there are when it is missing.</summary>
    public double this[string key] => Find(key) ?? throw new Xunit.Sdk.XunitException($"no sample {key} in:\n{Text}");
}
