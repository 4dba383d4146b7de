using System.Text;

namespace RenderFarm.Coordinator.Observability;

/// <summary>Label values from protocol enums: <c>JobState.Queued</c> is "queued", <c>FailureClass.BadInput</c> "bad_input".</summary>
public static class MetricLabels
{
    /// <summary>The enum's values without the UNSPECIFIED zero.</summary>
    public static IReadOnlyList<T> Values<T>() where T : struct, Enum =>
        Enum.GetValues<T>().Where(v => Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture) != 0).ToList();

    public static string Of<T>(T value) where T : struct, Enum
    {
        var name = value.ToString();
        var label = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) label.Append('_');
            label.Append(char.ToLowerInvariant(name[i]));
        }

        return label.ToString();
    }
}
