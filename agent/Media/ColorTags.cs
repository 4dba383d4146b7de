namespace RenderFarm.Agent.Media;

/// <summary>The four colour tags of a video stream, as ffmpeg/ffprobe name them.</summary>
public sealed record ColorTags(string Primaries, string Transfer, string Space, string Range)
{
    /// <summary>Rec.709 SDR, limited range: what proxies, mezzanines and SDR deliveries carry.</summary>
    public static ColorTags Bt709 { get; } = new("bt709", "bt709", "bt709", "tv");

    /// <summary>BT.2020 HLG, limited range.</summary>
    public static ColorTags Hlg { get; } = new("bt2020", "arib-std-b67", "bt2020nc", "tv");

    /// <summary>BT.2020 PQ, limited range.</summary>
    public static ColorTags Pq { get; } = new("bt2020", "smpte2084", "bt2020nc", "tv");

    public override string ToString() => $"{Primaries}/{Transfer}/{Space}/{Range}";
}
