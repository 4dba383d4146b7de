using RenderFarm.Protos.Media;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>
/// A thumbnail's filters after its frames are resized: an HDR picture (HLG or PQ) tone-mapped to SDR BT.709 by the
/// farm's one tone-map (<see cref="ToneMapFilters"/>, as a render would), then full-range JPEG YUV. Every kind of
/// thumbnail (poster, contact sheet, source poster) goes through this, so they look alike.
/// </summary>
public static class DisplayFilters
{
    /// <summary>The display chain of a picture with this transfer (ffmpeg's tag) and range (<c>tv</c> or <c>pc</c>, else tv).</summary>
    public static string For(string transfer, string range)
    {
        if (!ToneMapFilters.IsHdr(transfer)) return "format=yuvj420p";
        var tagRange = range == "pc" ? "pc" : "tv";
        return string.Join(',',
        [
            $"setparams=color_primaries=bt2020:color_trc={transfer}:colorspace=bt2020nc:range={tagRange}",
            .. ToneMapFilters.ToSdr(transfer, tagRange, null),
            "zscale=tin=709:pin=709:rin=full:m=709:r=full",
            "format=yuvj420p",
        ]);
    }
}
