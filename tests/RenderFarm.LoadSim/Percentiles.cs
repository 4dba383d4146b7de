namespace RenderFarm.LoadSim;

/// <summary>Nearest-rank percentiles of a sample, in milliseconds.</summary>
public static class Percentiles
{
    public static double Of(IReadOnlyList<double> sample, double percent)
    {
        if (sample.Count == 0) return double.NaN;
        var sorted = sample.Order().ToList();
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }
}
