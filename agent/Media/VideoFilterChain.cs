using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Media;

/// <summary>
/// The <c>-vf</c> filtergraph of a render: rate, size, colour interpretation, HDR tone-mapping, the grade in 16-bit
/// RGB and an explicit conversion back, following MEDIA.md. Built only from fixed words and validated numbers.
/// </summary>
internal static class VideoFilterChain
{
    public static string Build(
        SourceInfo source, FrameRate? rate, int width, int height, bool toneMap, Grade? grade, bool hasLut, string lutFileName,
        string pixelFormat, ColorTags outColor)
    {
        var graded = GradeFilters.IsActive(grade, hasLut);
        var keepHdr = source.IsHdr && !toneMap;
        var filters = new List<string>();
        if (rate is { } r)
        {
            filters.Add($"fps={r}");
        }

        var resize = width != source.Width || height != source.Height ? $"w={width}:h={height}:" : string.Empty;
        var inRange = source.ColorRange == "pc" ? "pc" : "tv";
        if (toneMap)
        {
            if (resize.Length > 0)
            {
                filters.Add($"scale={resize.TrimEnd(':')}");
            }

            var transfer = source.ColorTransfer == "smpte2084" ? "smpte2084" : "arib-std-b67";
            filters.Add($"zscale=tin={transfer}:min=bt2020nc:pin=bt2020:rin={(inRange == "pc" ? "full" : "limited")}:t=linear:npl=100");
            filters.Add("format=gbrpf32le");
            filters.Add("zscale=p=bt709");
            filters.Add("tonemap=tonemap=hable:desat=0");
            filters.Add("zscale=t=bt709:m=bt709:r=limited");
            if (graded)
            {
                filters.Add("format=gbrp16le");
                filters.AddRange(GradeFilters.Build(grade, hasLut, lutFileName));
                filters.Add($"scale=out_color_matrix=bt709:out_range=tv");
            }

            filters.Add($"format={pixelFormat}");
        }
        else
        {
            // Untagged SDR is taken as BT.709 and retagged, so no filter falls back to BT.601.
            var inMatrix = keepHdr ? "bt2020" : SwsMatrix(source.ColorSpace);
            var outMatrix = keepHdr ? "bt2020" : "bt709";
            if (!keepHdr)
            {
                filters.Add($"setparams=color_primaries={SdrPrimaries(source.ColorPrimaries)}:color_trc={SdrTransfer(source.ColorTransfer)}:colorspace={SdrSpace(source.ColorSpace)}:range={inRange}");
            }

            if (graded || inMatrix != outMatrix)
            {
                filters.Add($"scale={resize}in_color_matrix={inMatrix}:in_range={inRange}");
                filters.Add("format=gbrp16le");
                filters.AddRange(GradeFilters.Build(grade, hasLut, lutFileName));
                filters.Add($"scale=out_color_matrix={outMatrix}:out_range=tv");
            }
            else
            {
                filters.Add($"scale={resize}in_color_matrix={inMatrix}:in_range={inRange}:out_color_matrix={outMatrix}:out_range=tv");
            }

            filters.Add($"format={pixelFormat}");
        }

        // Tag the frames too: after an RGB stage ffmpeg 5.1 lets the frames' (empty) matrix win over -colorspace.
        filters.Add($"setparams=color_primaries={outColor.Primaries}:color_trc={outColor.Transfer}:colorspace={outColor.Space}:range={outColor.Range}");
        return string.Join(',', filters);
    }

    /// <summary>swscale's name for a YUV matrix; untagged is taken as BT.709.</summary>
    private static string SwsMatrix(string colorSpace) => colorSpace switch
    {
        "smpte170m" => "smpte170m",
        "bt470bg" => "bt470",
        "smpte240m" => "smpte240m",
        "fcc" => "fcc",
        "bt2020nc" or "bt2020c" => "bt2020",
        _ => "bt709",
    };

    private static string SdrPrimaries(string tag) =>
        tag is "bt709" or "smpte170m" or "bt470bg" or "bt470m" or "smpte240m" or "bt2020" ? tag : "bt709";

    private static string SdrTransfer(string tag) =>
        tag is "bt709" or "smpte170m" or "bt470bg" or "bt470m" or "smpte240m" or "iec61966-2-1" or "bt2020-10" ? tag : "bt709";

    private static string SdrSpace(string tag) =>
        tag is "bt709" or "smpte170m" or "bt470bg" or "smpte240m" or "fcc" or "bt2020nc" ? tag : "bt709";
}
