namespace RenderFarm.Agent.Media.Mp4;

/// <summary>
/// HDR10 static metadata from HEVC prefix SEI messages: mastering display colour volume (payload 137) and content light
/// level (payload 144), read as ffmpeg's HEVC decoder exports them (primaries in the SEI's G, B, R order).
/// </summary>
internal static class HevcSei
{
    /// <summary>The metadata the prefix SEI NAL units in <paramref name="nals"/> carry; null when they carry none.</summary>
    public static Hdr10Metadata? Read(IEnumerable<byte[]> nals)
    {
        MasteringDisplay? mastering = null;
        (int Cll, int Fall)? light = null;
        foreach (var nal in nals)
        {
            if (nal.Length < 3 || ((nal[0] >> 1) & 0x3F) != 39) continue;
            var r = new NalBitReader(nal.AsSpan(2));
            while (r.BitsLeft >= 16 && !r.AtTrailingBits)
            {
                var type = Number(r);
                var size = Number(r);
                if ((long)size * 8 > r.BitsLeft) throw new Mp4FormatException("an HEVC SEI message runs past its NAL unit");
                if (type == 137 && size >= 24)
                {
                    var c = new int[6];
                    for (var i = 0; i < 6; i++) c[i] = (int)r.Bits(16);
                    int wx = (int)r.Bits(16), wy = (int)r.Bits(16);
                    long max = r.Bits(32), min = r.Bits(32);
                    mastering ??= new MasteringDisplay(c[4], c[5], c[0], c[1], c[2], c[3], wx, wy, max, min);
                    r.Skip((size - 24) * 8);
                }
                else if (type == 144 && size >= 4)
                {
                    int cll = (int)r.Bits(16), fall = (int)r.Bits(16);
                    light ??= (cll, fall);
                    r.Skip((size - 4) * 8);
                }
                else
                {
                    r.Skip(size * 8);
                }
            }
        }

        return mastering is null && light is null ? null : new Hdr10Metadata(mastering, light?.Cll, light?.Fall);
    }

    /// <summary>An SEI payload type or size: 0xFF bytes, each adding 255, then the last byte.</summary>
    private static int Number(NalBitReader r)
    {
        var value = 0;
        uint b;
        while ((b = r.Bits(8)) == 0xFF)
        {
            value += 255;
            if (value > 1 << 20) throw new Mp4FormatException("an HEVC SEI message has an impossible size");
        }

        return value + (int)b;
    }
}
