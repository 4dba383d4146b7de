namespace RenderFarm.Agent.Media.Mp4;

/// <summary>Reads the bits of one NAL unit's payload (emulation prevention bytes removed): fixed-width and Exp-Golomb codes.</summary>
internal sealed class NalBitReader
{
    private readonly byte[] _data;
    private long _bit;

    public NalBitReader(ReadOnlySpan<byte> nal)
    {
        var data = new List<byte>(nal.Length);
        var zeros = 0;
        foreach (var b in nal)
        {
            if (zeros >= 2 && b == 3)
            {
                zeros = 0;
                continue;
            }

            zeros = b == 0 ? zeros + 1 : 0;
            data.Add(b);
        }

        _data = [.. data];
    }

    public uint Bits(int count)
    {
        uint value = 0;
        for (var i = 0; i < count; i++)
        {
            if (_bit >= (long)_data.Length * 8) throw new Mp4FormatException("a parameter set ends early");
            value = (value << 1) | (uint)((_data[_bit >> 3] >> (7 - (int)(_bit & 7))) & 1);
            _bit++;
        }

        return value;
    }

    public bool Flag() => Bits(1) == 1;

    /// <summary>Bits not read yet.</summary>
    public long BitsLeft => ((long)_data.Length * 8) - _bit;

    /// <summary>True when only the RBSP trailing bits (a 1, then zeros to the end) are left.</summary>
    public bool AtTrailingBits
    {
        get
        {
            if (BitsLeft <= 0 || (_bit & 7) != 0) return false;
            var at = (int)(_bit >> 3);
            if (_data[at] != 0x80) return false;
            for (var i = at + 1; i < _data.Length; i++)
            {
                if (_data[i] != 0) return false;
            }

            return true;
        }
    }

    public void Skip(int count)
    {
        for (var i = 0; i < count; i++) Bits(1);
    }

    /// <summary>ue(v).</summary>
    public uint Unsigned()
    {
        var zeros = 0;
        while (!Flag())
        {
            if (++zeros > 31) throw new Mp4FormatException("a parameter set holds an invalid Exp-Golomb code");
        }

        return zeros == 0 ? 0 : (uint)((1L << zeros) - 1 + Bits(zeros));
    }

    /// <summary>se(v).</summary>
    public int Signed()
    {
        var k = Unsigned();
        return (k & 1) == 1 ? (int)((k + 1) / 2) : -(int)(k / 2);
    }
}
