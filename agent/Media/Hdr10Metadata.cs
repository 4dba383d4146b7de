using System.Globalization;
using System.Text.Json;

namespace RenderFarm.Agent.Media;

/// <summary>
/// HDR10 static metadata of a PQ stream: the mastering display colour volume (SMPTE ST 2086) and the content light
/// level (CTA-861.3), in the units HEVC carries them: chromaticities in 0.00002 steps, luminance in 0.0001 cd/m2.
/// A part that is absent in the source is null and is not invented for the output.
/// </summary>
/// <param name="Mastering">Display primaries and white point (G, B, R, WP as x,y pairs) and max/min luminance; null when absent.</param>
/// <param name="MaxCll">Maximum content light level in cd/m2; null when absent.</param>
/// <param name="MaxFall">Maximum frame-average light level in cd/m2; null when absent.</param>
public sealed record Hdr10Metadata(MasteringDisplay? Mastering, int? MaxCll, int? MaxFall)
{
    /// <summary>The brightest light the content holds in cd/m2: MaxCLL, else the mastering display's peak, else null.</summary>
    public double? PeakNits => MaxCll is > 0 ? MaxCll : Mastering?.MaxLuminance / 10000.0;

    /// <summary>x265's <c>master-display=...:max-cll=...</c> parameters (joined with <c>:</c>), with <c>hdr10=1</c>.</summary>
    public string X265Parameters()
    {
        var parts = new List<string> { "hdr10=1" };
        if (Mastering is { } m)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture,
                $"master-display=G({m.GreenX},{m.GreenY})B({m.BlueX},{m.BlueY})R({m.RedX},{m.RedY})WP({m.WhiteX},{m.WhiteY})L({m.MaxLuminance},{m.MinLuminance})"));
        }

        if (MaxCll is not null || MaxFall is not null)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"max-cll={MaxCll ?? 0},{MaxFall ?? 0}"));
        }

        return string.Join(':', parts);
    }

    /// <summary>SVT-AV1's <c>mastering-display=...:content-light=...</c> parameters (joined with <c>:</c>); empty when there are none.</summary>
    public string SvtAv1Parameters()
    {
        var parts = new List<string>();
        if (Mastering is { } m)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture,
                $"mastering-display=G({C(m.GreenX)},{C(m.GreenY)})B({C(m.BlueX)},{C(m.BlueY)})R({C(m.RedX)},{C(m.RedY)})WP({C(m.WhiteX)},{C(m.WhiteY)})L({m.MaxLuminance / 10000.0:0.####},{m.MinLuminance / 10000.0:0.####})"));
        }

        if (MaxCll is not null || MaxFall is not null)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"content-light={MaxCll ?? 0},{MaxFall ?? 0}"));
        }

        return string.Join(':', parts);

        static string C(int value) => (value / 50000.0).ToString("0.#####", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Reads the metadata from ffprobe's <c>side_data_list</c> entries (frame or stream side data); null when neither
    /// a mastering display nor a content light level is there. Fractions are rescaled to the HEVC units.
    /// </summary>
    public static Hdr10Metadata? FromSideData(IEnumerable<JsonElement> sideData)
    {
        MasteringDisplay? mastering = null;
        int? maxCll = null, maxFall = null;
        foreach (var entry in sideData)
        {
            var type = entry.TryGetProperty("side_data_type", out var t) ? t.GetString() : null;
            if (type == "Mastering display metadata" && mastering is null && entry.TryGetProperty("max_luminance", out _))
            {
                int Xy(string key) => (int)Math.Round(Fraction(entry, key) * 50000);
                long L(string key) => (long)Math.Round(Fraction(entry, key) * 10000);
                mastering = new MasteringDisplay(
                    Xy("red_x"), Xy("red_y"), Xy("green_x"), Xy("green_y"), Xy("blue_x"), Xy("blue_y"),
                    Xy("white_point_x"), Xy("white_point_y"), L("max_luminance"), L("min_luminance"));
            }
            else if (type == "Content light level metadata" && maxCll is null)
            {
                maxCll = (int)Fraction(entry, "max_content");
                maxFall = (int)Fraction(entry, "max_average");
            }
        }

        return mastering is null && maxCll is null ? null : new Hdr10Metadata(mastering, maxCll, maxFall);
    }

    private static double Fraction(JsonElement entry, string key)
    {
        if (!entry.TryGetProperty(key, out var value))
        {
            return 0;
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            return value.GetDouble();
        }

        var text = value.GetString() ?? string.Empty;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain) ? plain : 0;
        }

        return double.TryParse(text[..slash], NumberStyles.Float, CultureInfo.InvariantCulture, out var num)
            && double.TryParse(text[(slash + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var den) && den != 0
            ? num / den
            : 0;
    }
}
