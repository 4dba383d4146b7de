namespace RenderFarm.Agent.Media.Mp4;

/// <summary>
/// What an HEVC sequence parameter set says that ffprobe reports: profile, picture size after the conformance window,
/// chroma format and bit depth (the decoder's pixel format), and the VUI's colour description and range.
/// </summary>
internal sealed record HevcSps(
    int ProfileIdc, int ChromaFormat, int BitDepth, int ChromaBitDepth, int Width, int Height,
    bool SignalType, bool FullRange, int? Primaries, int? Transfer, int? Matrix)
{
    /// <summary>The first SPS of an <c>hvcC</c> box's payload, the NAL length field's size, and the SEI NAL units its arrays hold.</summary>
    public static (HevcSps Sps, int LengthSize, IReadOnlyList<byte[]> Sei) FromHvcC(ReadOnlySpan<byte> hvcC)
    {
        if (hvcC.Length < 23 || hvcC[0] != 1) throw new Mp4FormatException("the HEVC decoder configuration (hvcC) is not version 1");
        var lengthSize = (hvcC[21] & 3) + 1;
        var arrays = hvcC[22];
        var at = 23;
        HevcSps? sps = null;
        var sei = new List<byte[]>();
        for (var a = 0; a < arrays; a++)
        {
            if (at + 3 > hvcC.Length) throw new Mp4FormatException("the HEVC decoder configuration (hvcC) runs past its box");
            var type = hvcC[at] & 0x3F;
            var count = (hvcC[at + 1] << 8) | hvcC[at + 2];
            at += 3;
            for (var n = 0; n < count; n++)
            {
                if (at + 2 > hvcC.Length) throw new Mp4FormatException("the HEVC decoder configuration (hvcC) runs past its box");
                var size = (hvcC[at] << 8) | hvcC[at + 1];
                at += 2;
                if (size < 3 || at + size > hvcC.Length) throw new Mp4FormatException("an HEVC parameter set runs past its box");
                var nal = hvcC.Slice(at, size);
                at += size;
                if (type == 33 && sps is null) sps = Parse(nal);
                else if (type == 39) sei.Add(nal.ToArray());
            }
        }

        return (sps ?? throw new Mp4FormatException("the HEVC decoder configuration (hvcC) has no sequence parameter set"), lengthSize, sei);
    }

    /// <summary>Parses an SPS NAL unit (with its two-byte header).</summary>
    public static HevcSps Parse(ReadOnlySpan<byte> nal)
    {
        if (((nal[0] >> 1) & 0x3F) != 33) throw new Mp4FormatException("the HEVC decoder configuration holds no sequence parameter set");
        var r = new NalBitReader(nal[2..]);
        r.Skip(4);
        var maxSubLayers = (int)r.Bits(3);
        r.Skip(1);
        r.Skip(2 + 1);
        var profile = (int)r.Bits(5);
        r.Skip(32 + 4 + 43 + 1 + 8);
        var profilePresent = new bool[maxSubLayers];
        var levelPresent = new bool[maxSubLayers];
        for (var i = 0; i < maxSubLayers; i++)
        {
            profilePresent[i] = r.Flag();
            levelPresent[i] = r.Flag();
        }

        if (maxSubLayers > 0)
        {
            for (var i = maxSubLayers; i < 8; i++) r.Skip(2);
        }

        for (var i = 0; i < maxSubLayers; i++)
        {
            if (profilePresent[i]) r.Skip(88);
            if (levelPresent[i]) r.Skip(8);
        }

        r.Unsigned();
        var chroma = (int)r.Unsigned();
        if (chroma > 3) throw new Mp4FormatException("the HEVC sequence parameter set has an invalid chroma format");
        var separate = chroma == 3 && r.Flag();
        var width = (int)r.Unsigned();
        var height = (int)r.Unsigned();
        int left = 0, right = 0, top = 0, bottom = 0;
        if (r.Flag())
        {
            left = (int)r.Unsigned();
            right = (int)r.Unsigned();
            top = (int)r.Unsigned();
            bottom = (int)r.Unsigned();
        }

        if (left != 0) throw new Mp4FormatException("the HEVC conformance window crops on the left (ffmpeg may keep part of it for alignment)");
        var depth = (int)r.Unsigned() + 8;
        var chromaDepth = (int)r.Unsigned() + 8;
        var pocBits = (int)r.Unsigned() + 4;
        var orderingInfo = r.Flag();
        for (var i = orderingInfo ? 0 : maxSubLayers; i <= maxSubLayers; i++)
        {
            r.Unsigned();
            r.Unsigned();
            r.Unsigned();
        }

        for (var i = 0; i < 6; i++) r.Unsigned();
        if (r.Flag() && r.Flag()) SkipScalingLists(r);
        r.Skip(2);
        if (r.Flag())
        {
            r.Skip(8);
            r.Unsigned();
            r.Unsigned();
            r.Skip(1);
        }

        SkipShortTermRefSets(r, (int)r.Unsigned());
        if (r.Flag())
        {
            var longTerm = r.Unsigned();
            for (var i = 0; i < longTerm; i++) r.Skip(pocBits + 1);
        }

        r.Skip(2);
        bool signalType = false, fullRange = false;
        int? primaries = null, transfer = null, matrix = null;
        if (r.Flag())
        {
            if (r.Flag() && r.Bits(8) == 255) r.Skip(32);
            if (r.Flag()) r.Skip(1);
            if (r.Flag())
            {
                signalType = true;
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

        var mono = chroma == 0 || separate;
        var unitX = mono || chroma == 3 ? 1 : 2;
        var unitY = mono || chroma != 1 ? 1 : 2;
        return new HevcSps(profile, separate ? 0 : chroma, depth, chromaDepth,
            width - (unitX * (left + right)), height - (unitY * (top + bottom)), signalType, fullRange, primaries, transfer, matrix);
    }

    /// <summary>ffmpeg's name of the profile; empty for profiles this reader leaves to ffprobe.</summary>
    public string ProfileName => ProfileIdc switch
    {
        1 => "Main",
        2 => "Main 10",
        3 => "Main Still Picture",
        4 => "Rext",
        _ => string.Empty,
    };

    /// <summary>The pixel format ffmpeg's HEVC decoder outputs; empty when it is not one this reader knows.</summary>
    public string PixelFormat
    {
        get
        {
            if (BitDepth != ChromaBitDepth || BitDepth is not (8 or 9 or 10 or 12)) return string.Empty;
            if (ChromaFormat == 0) return BitDepth switch { 8 => "gray", 10 => "gray10le", 12 => "gray12le", _ => string.Empty };
            var layout = ChromaFormat switch { 1 => "yuv420p", 2 => "yuv422p", _ => "yuv444p" };
            if (BitDepth > 8) return $"{layout}{BitDepth}le";
            return FullRange && ChromaFormat == 1 ? "yuvj420p" : layout;
        }
    }

    private static void SkipScalingLists(NalBitReader r)
    {
        for (var size = 0; size < 4; size++)
        {
            for (var matrix = 0; matrix < 6; matrix += size == 3 ? 3 : 1)
            {
                if (!r.Flag())
                {
                    r.Unsigned();
                    continue;
                }

                var coefficients = Math.Min(64, 1 << (4 + (size << 1)));
                if (size > 1) r.Signed();
                for (var i = 0; i < coefficients; i++) r.Signed();
            }
        }
    }

    /// <summary>Skips the SPS's short-term reference picture sets, counting each set's pictures as ffmpeg does.</summary>
    private static void SkipShortTermRefSets(NalBitReader r, int sets)
    {
        if (sets > 64) throw new Mp4FormatException("the HEVC sequence parameter set has too many reference picture sets");
        var pictures = new int[sets];
        for (var s = 0; s < sets; s++)
        {
            if (s > 0 && r.Flag())
            {
                r.Skip(1);
                r.Unsigned();
                var count = 0;
                for (var j = 0; j <= pictures[s - 1]; j++)
                {
                    var used = r.Flag();
                    if (used || r.Flag()) count++;
                }

                pictures[s] = count;
            }
            else
            {
                var negative = r.Unsigned();
                var positive = r.Unsigned();
                if (negative + positive > 32) throw new Mp4FormatException("the HEVC sequence parameter set has an invalid reference picture set");
                for (var i = 0; i < negative + positive; i++)
                {
                    r.Unsigned();
                    r.Skip(1);
                }

                pictures[s] = (int)(negative + positive);
            }
        }
    }
}
