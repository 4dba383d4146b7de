namespace RenderFarm.Agent.Media.Mp4;

/// <summary>
/// What an H.264 sequence parameter set says that ffprobe reports: profile, picture size after cropping, chroma format
/// and bit depth (the pixel format the decoder outputs), and the colour description of its VUI.
/// </summary>
internal sealed record H264Sps(
    int ProfileIdc, bool Constraint1, bool Constraint3, int ChromaFormat, int BitDepth, int Width, int Height,
    bool? FullRange, int? Primaries, int? Transfer, int? Matrix)
{
    private static readonly HashSet<int> HighProfiles = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135];

    /// <summary>The SPS in an <c>avcC</c> box's payload, and the NAL length field's size.</summary>
    public static (H264Sps Sps, int LengthSize) FromAvcC(ReadOnlySpan<byte> avcC)
    {
        if (avcC.Length < 8 || avcC[0] != 1) throw new Mp4FormatException("the H.264 decoder configuration (avcC) is not version 1");
        var lengthSize = (avcC[4] & 3) + 1;
        var count = avcC[5] & 0x1F;
        if (count == 0) throw new Mp4FormatException("the H.264 decoder configuration (avcC) has no sequence parameter set");
        var size = (avcC[6] << 8) | avcC[7];
        if (8 + size > avcC.Length || size < 4) throw new Mp4FormatException("the H.264 sequence parameter set runs past its box");
        return (Parse(avcC.Slice(8, size)), lengthSize);
    }

    public static H264Sps Parse(ReadOnlySpan<byte> nal)
    {
        if ((nal[0] & 0x1F) != 7) throw new Mp4FormatException("the H.264 decoder configuration holds no sequence parameter set");
        var r = new NalBitReader(nal[1..]);
        var profile = (int)r.Bits(8);
        var constraints = r.Bits(8);
        r.Skip(8);
        r.Unsigned();
        int chroma = 1, depth = 8;
        var separate = false;
        if (HighProfiles.Contains(profile))
        {
            chroma = (int)r.Unsigned();
            if (chroma == 3) separate = r.Flag();
            depth = (int)r.Unsigned() + 8;
            r.Unsigned();
            r.Skip(1);
            if (r.Flag())
            {
                for (var i = 0; i < (chroma != 3 ? 8 : 12); i++)
                {
                    if (r.Flag()) SkipScalingList(r, i < 6 ? 16 : 64);
                }
            }
        }

        r.Unsigned();
        var pocType = r.Unsigned();
        if (pocType == 0)
        {
            r.Unsigned();
        }
        else if (pocType == 1)
        {
            r.Skip(1);
            r.Signed();
            r.Signed();
            var cycle = r.Unsigned();
            for (var i = 0; i < cycle; i++) r.Signed();
        }

        r.Unsigned();
        r.Skip(1);
        var widthMbs = (int)r.Unsigned() + 1;
        var heightUnits = (int)r.Unsigned() + 1;
        var frameMbsOnly = r.Flag();
        if (!frameMbsOnly) r.Skip(1);
        r.Skip(1);
        int cropLeft = 0, cropRight = 0, cropTop = 0, cropBottom = 0;
        if (r.Flag())
        {
            cropLeft = (int)r.Unsigned();
            cropRight = (int)r.Unsigned();
            cropTop = (int)r.Unsigned();
            cropBottom = (int)r.Unsigned();
        }

        var monochrome = chroma == 0 || separate;
        var unitX = monochrome ? 1 : chroma == 3 ? 1 : 2;
        var unitY = (monochrome ? 1 : chroma == 1 ? 2 : 1) * (frameMbsOnly ? 1 : 2);
        var width = (widthMbs * 16) - (unitX * (cropLeft + cropRight));
        var height = ((frameMbsOnly ? 1 : 2) * heightUnits * 16) - (unitY * (cropTop + cropBottom));
        bool? fullRange = null;
        int? primaries = null, transfer = null, matrix = null;
        if (r.Flag())
        {
            if (r.Flag() && r.Bits(8) == 255) r.Skip(32);
            if (r.Flag()) r.Skip(1);
            if (r.Flag())
            {
                r.Skip(3);
                fullRange = r.Flag();
                if (r.Flag())
                {
                    primaries = (int)r.Bits(8);
                    transfer = (int)r.Bits(8);
                    matrix = (int)r.Bits(8);
                }
            }
        }

        return new H264Sps(profile, (constraints & 0x40) != 0, (constraints & 0x10) != 0, chroma, depth, width, height, fullRange, primaries, transfer, matrix);
    }

    /// <summary>The decoder's output format, as ffmpeg's h264 decoder chooses it (the J formats for full-range 8-bit).</summary>
    public string PixelFormat
    {
        get
        {
            var layout = ChromaFormat switch { 0 => "gray", 2 => "yuv422p", 3 => "yuv444p", _ => "yuv420p" };
            if (BitDepth > 8) return layout == "gray" ? $"gray{BitDepth}le" : $"{layout}{BitDepth}le";
            if (layout == "gray") return "gray";
            return FullRange == true ? layout.Replace("yuv", "yuvj", StringComparison.Ordinal) : layout;
        }
    }

    /// <summary>ffmpeg's name of the profile.</summary>
    public string ProfileName => ProfileIdc switch
    {
        66 => Constraint1 ? "Constrained Baseline" : "Baseline",
        77 => "Main",
        88 => "Extended",
        100 => "High",
        110 => Constraint3 ? "High 10 Intra" : "High 10",
        122 => Constraint3 ? "High 4:2:2 Intra" : "High 4:2:2",
        244 => Constraint3 ? "High 4:4:4 Intra" : "High 4:4:4 Predictive",
        44 => "CAVLC 4:4:4",
        _ => string.Empty,
    };

    private static void SkipScalingList(NalBitReader r, int size)
    {
        int last = 8, next = 8;
        for (var j = 0; j < size; j++)
        {
            if (next != 0) next = (last + r.Signed() + 256) % 256;
            last = next == 0 ? last : next;
        }
    }
}
