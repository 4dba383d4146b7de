using System.Buffers;
using System.Text;

namespace RenderFarm.Protos.Transfer;

/// <summary>
/// Reads the protobuf wire format of the transfer chunk messages straight from a received payload, so a
/// chunk's bytes are copied once, into a pooled buffer, rather than into a new array per message (which for
/// 1 MiB chunks lands on the large object heap and costs a page fault per 4 KiB and a background GC).
/// Unknown fields are skipped, as any protobuf parser does.
/// </summary>
internal ref struct ChunkWire(ReadOnlySequence<byte> payload)
{
    private SequenceReader<byte> _reader = new(payload);

    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int Length = 2;
    public const int Fixed32 = 5;

    /// <summary>The next field's number and wire type; false at the end of the message.</summary>
    public bool Next(out int field, out int wireType)
    {
        if (_reader.End)
        {
            field = wireType = 0;
            return false;
        }

        var tag = ReadVarint();
        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        if (field <= 0) throw new InvalidDataException("a transfer message has a field number of 0");
        return true;
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (!_reader.TryRead(out var b)) throw new InvalidDataException("a transfer message ends inside a number");
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }

        throw new InvalidDataException("a transfer message holds a number longer than 10 bytes");
    }

    /// <summary>The length of a length-delimited field, checked against what is left of the message.</summary>
    public int ReadLength(int max)
    {
        var length = ReadVarint();
        if (length > (ulong)Math.Min(max, _reader.Remaining))
        {
            throw new InvalidDataException($"a transfer message field of {length} bytes is longer than allowed ({max}) or than the message");
        }

        return (int)length;
    }

    /// <summary>Copies the next <paramref name="destination"/>.Length bytes.</summary>
    public void Copy(Span<byte> destination)
    {
        if (!_reader.TryCopyTo(destination)) throw new InvalidDataException("a transfer message ends inside a field");
        _reader.Advance(destination.Length);
    }

    public string ReadString(int max)
    {
        var length = ReadLength(max);
        var text = Encoding.UTF8.GetString(_reader.UnreadSequence.Slice(0, length));
        _reader.Advance(length);
        return text;
    }

    /// <summary>A length-delimited field's bytes (an embedded message), copied.</summary>
    public byte[] ReadBytes(int max)
    {
        var bytes = new byte[ReadLength(max)];
        Copy(bytes);
        return bytes;
    }

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint:
                ReadVarint();
                break;
            case Fixed64:
                Advance(8);
                break;
            case Length:
                Advance(ReadLength(int.MaxValue));
                break;
            case Fixed32:
                Advance(4);
                break;
            default:
                throw new InvalidDataException($"a transfer message holds a field of wire type {wireType}, which it cannot skip");
        }
    }

    /// <summary>Checks that a known field came with the wire type the schema gives it.</summary>
    public static void Expect(int field, int wireType, int expected)
    {
        if (wireType != expected) throw new InvalidDataException($"field {field} of a transfer message has wire type {wireType}, not {expected}");
    }

    private void Advance(int count)
    {
        if (_reader.Remaining < count) throw new InvalidDataException("a transfer message ends inside a field");
        _reader.Advance(count);
    }
}
