using System.Globalization;

namespace RenderFarm.Protos.Media;

/// <summary>
/// The farm's one HDR-to-SDR tone-map (docs/colour.md), as ffmpeg filters built only from fixed words and numbers: the
/// agent's render chain (<c>VideoFilterChain</c>) and the coordinator's thumbnails (<c>DisplayFilters</c>) both use it,
/// so a poster shows an HDR output as a tone-mapped render of it would look. zscale decodes to float linear light with
/// HDR reference white (203 cd/m², ITU-R BT.2408) at 1.0, <see cref="Operator"/> compresses the highlights above it, and
/// zscale encodes back into 16-bit RGB, which clips to [0, 1].
/// </summary>
public static class ToneMapFilters
{
    /// <summary>The tone-map operator (chosen in scripts/bench/tonemap.sh; see docs/colour.md).</summary>
    public const string Operator = "mobius";

    /// <summary>HDR reference white in cd/m²: it becomes 1.0 in linear light, SDR white.</summary>
    public const double ReferenceWhiteNits = 203;

    /// <summary>Peak assumed for HDR pictures without HDR10 light levels (HLG's nominal display, most PQ grades).</summary>
    public const double DefaultPeakNits = 1000;

    /// <summary>True for the HDR transfers the farm tone-maps: HLG (<c>arib-std-b67</c>) and PQ (<c>smpte2084</c>).</summary>
    public static bool IsHdr(string transfer) => transfer is "arib-std-b67" or "smpte2084";

    /// <summary>
    /// zscale from YUV with these tags (ffmpeg's names; <paramref name="range"/> <c>tv</c> or <c>pc</c>) to RGB in
    /// <paramref name="toPrimaries"/>: float linear light when <paramref name="toTransfer"/> is <c>linear</c>, else
    /// 16-bit RGB in that transfer.
    /// </summary>
    public static string[] Decode(string transfer, string matrix, string primaries, string range, string toTransfer, string toPrimaries) =>
    [
        $"zscale=tin={transfer}:min={matrix}:pin={primaries}:rin={ZscaleRange(range)}:t={toTransfer}:p={toPrimaries}:npl={F(ReferenceWhiteNits)}",
        toTransfer == "linear" ? "format=gbrpf32le" : "format=gbrp16le",
    ];

    /// <summary>The tone-map on float linear light, with the picture's peak (HDR10 MaxCLL) or <see cref="DefaultPeakNits"/>.</summary>
    public static string ToneMap(double? peakNits) =>
        $"tonemap=tonemap={Operator}:peak={F(Math.Max(1, (peakNits ?? DefaultPeakNits) / ReferenceWhiteNits))}:desat=0";

    /// <summary>zscale from float linear light back to <paramref name="transfer"/>, into 16-bit RGB (clipped to [0, 1]).</summary>
    public static string[] Encode(string primaries, string transfer) =>
    [
        $"zscale=tin=linear:pin={primaries}:t={transfer}:p={primaries}:npl={F(ReferenceWhiteNits)}",
        "format=gbrp16le",
    ];

    /// <summary>An HDR picture (BT.2020, <paramref name="transfer"/> HLG or PQ) to SDR BT.709 in 16-bit RGB: decode, tone-map, encode.</summary>
    public static IEnumerable<string> ToSdr(string transfer, string range, double? peakNits) =>
        [.. Decode(transfer, "bt2020nc", "bt2020", range, "linear", "bt709"), ToneMap(peakNits), .. Encode("bt709", "bt709")];

    /// <summary>zscale's name for an ffmpeg range tag: <c>pc</c> is full, anything else limited.</summary>
    public static string ZscaleRange(string range) => range == "pc" ? "full" : "limited";

    private static string F(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
