using System.Globalization;

namespace RenderFarm.Agent.Link;

/// <summary>The one-minute load average from /proc/loadavg (0 where the system has none).</summary>
public static class LoadAverage
{
    public static double Read()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }
}
