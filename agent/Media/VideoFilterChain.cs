using System.Globalization;
using RenderFarm.Protos.Media;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Media;

/// <summary>
/// The <c>-vf</c> filtergraph of a render: one colour pipeline for graded and ungraded renders alike, each conversion
/// explicit (docs/colour.md):
/// <list type="number">
/// <item>rate (<c>fps=</c>) and size, in the source's YUV;</item>
/// <item>the source's four colour tags set explicitly (untagged SDR is taken as BT.709), so no stage guesses;</item>
/// <item>zscale to RGB in the output's primaries: float linear light (1.0 = HDR reference white, 203 cd/m2) when a
/// tone-map or a photographic operation needs it, else 16-bit in the output's transfer;</item>
/// <item>HDR to SDR: the <see cref="ToneMapOperator"/> with the source's peak (HDR10 MaxCLL, else 1000 cd/m2);</item>
/// <item>exposure, saturation and white balance on linear light, then back to the output's transfer in 16-bit RGB,
/// which clips to [0, 1], so out-of-gamut and over-range light cannot become illegal YUV;</item>
/// <item>contrast and the LUT on the output's (gamma-encoded) 16-bit RGB;</item>
/// <item>zscale to the output's matrix in limited range, the output pixel format, and the four tags on the frames.</item>
/// </list>
/// Built only from fixed words and validated numbers. Nothing passes through 8 bits before the output format.
/// </summary>
internal static class VideoFilterChain
{
    /// <summary>The tone-map operator for HDR to SDR (<see cref="ToneMapFilters"/>, shared with the coordinator's thumbnails).</summary>
    public const string ToneMapOperator = ToneMapFilters.Operator;

    /// <summary>HDR reference white in cd/m2 (ITU-R BT.2408): it becomes 1.0 in linear light, SDR white.</summary>
    public const double ReferenceWhiteNits = ToneMapFilters.ReferenceWhiteNits;

    /// <summary>Peak assumed for HDR sources without HDR10 light levels (HLG's nominal display, most PQ grades).</summary>
    public const double DefaultPeakNits = ToneMapFilters.DefaultPeakNits;

    public static string Build(
        SourceInfo source, FrameRate? rate, int width, int height, bool toneMap, Grade? grade, bool hasLut, string lutFileName,
        string pixelFormat, ColorTags outColor)
    {
        var filters = new List<string>();
        if (rate is { } r)
        {
            filters.Add($"fps={r}");
        }

        if (width != source.Width || height != source.Height)
        {
            filters.Add(string.Create(CultureInfo.InvariantCulture, $"scale=w={width}:h={height}"));
        }

        var input = InputTags(source);
        filters.Add(SetParams(input));
        var linear = toneMap || GradeFilters.NeedsLinearLight(grade);

        // Decode: YUV -> RGB in the output's primaries: float linear light when needed, else 16-bit in the output's
        // transfer (half the cost of a float round trip at 1080p).
        filters.AddRange(ToneMapFilters.Decode(input.Transfer, input.Space, input.Primaries, input.Range, linear ? "linear" : outColor.Transfer, outColor.Primaries));
        if (toneMap)
        {
            filters.Add(ToneMapFilters.ToneMap(source.Hdr10?.PeakNits));
        }

        filters.AddRange(GradeFilters.LinearLight(grade, outColor.Primaries));
        if (linear)
        {
            // Back to the output's transfer, into 16-bit RGB: this clips to [0, 1], so out-of-gamut (negative) and
            // over-range light cannot become illegal YUV.
            filters.AddRange(ToneMapFilters.Encode(outColor.Primaries, outColor.Transfer));
        }

        filters.AddRange(GradeFilters.Encoded(grade, hasLut, lutFileName));

        // The explicit matrix and range of the output.
        filters.Add($"zscale=tin={outColor.Transfer}:pin={outColor.Primaries}:rin=full:m={outColor.Space}:r={Zrange(outColor.Range)}");
        filters.Add($"format={pixelFormat}");

        // Tag the frames too: after an RGB stage ffmpeg 5.1 lets the frames' (empty) matrix win over -colorspace.
        filters.Add(SetParams(outColor));
        return string.Join(',', filters);
    }

    /// <summary>The source's tags as the pipeline reads them: untagged or unknown SDR is BT.709, HDR is BT.2020.</summary>
    public static ColorTags InputTags(SourceInfo source)
    {
        var range = source.ColorRange == "pc" ? "pc" : "tv";
        if (source.IsHdr)
        {
            return (source.ColorTransfer == "smpte2084" ? ColorTags.Pq : ColorTags.Hlg) with { Range = range };
        }

        return new ColorTags(SdrPrimaries(source.ColorPrimaries), SdrTransfer(source.ColorTransfer), SdrSpace(source.ColorSpace), range);
    }

    private static string SetParams(ColorTags tags) =>
        $"setparams=color_primaries={tags.Primaries}:color_trc={tags.Transfer}:colorspace={tags.Space}:range={tags.Range}";

    private static string Zrange(string range) => ToneMapFilters.ZscaleRange(range);

    private static string SdrPrimaries(string tag) =>
        tag is "bt709" or "smpte170m" or "bt470bg" or "bt470m" or "smpte240m" or "bt2020" ? tag : "bt709";

    private static string SdrTransfer(string tag) =>
        tag is "bt709" or "smpte170m" or "bt470bg" or "bt470m" or "smpte240m" or "iec61966-2-1" or "bt2020-10" ? tag : "bt709";

    private static string SdrSpace(string tag) =>
        tag is "bt709" or "smpte170m" or "bt470bg" or "fcc" or "bt2020nc" ? tag : "bt709";
}
