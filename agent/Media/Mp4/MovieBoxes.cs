using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace RenderFarm.Agent.Media.Mp4;

/// <summary>
/// The movie box (<c>moov</c>) of an MP4/MOV file, read in process: the top-level boxes must tile the file exactly, the
/// movie box must be there (a cut or fragmented file has none, or an empty one), and every track's sample table is
/// read (sizes, chunk offsets, samples per chunk, time deltas, sync samples, the first sample entry).
/// </summary>
public sealed class MovieBoxes
{
    /// <summary>Largest movie box read (a day of 60 fps video has a sample table of about 100 MB).</summary>
    private const long MaxMovieBox = 256L << 20;

    private MovieBoxes(IReadOnlyList<MovieTrack> tracks, uint timescale, ulong duration, IReadOnlyList<(long Start, long End)> mediaData, bool coverArt)
    {
        HasCoverArt = coverArt;
        Tracks = tracks;
        Timescale = timescale;
        Duration = duration;
        MediaData = mediaData;
    }

    public IReadOnlyList<MovieTrack> Tracks { get; }

    /// <summary>The movie's timescale and duration (<c>mvhd</c>).</summary>
    public uint Timescale { get; }

    public ulong Duration { get; }

    /// <summary>True when the movie box holds cover art (<c>covr</c>), which ffprobe shows as a picture stream of its own.</summary>
    public bool HasCoverArt { get; }

    /// <summary>Where the media data boxes' payloads are in the file.</summary>
    public IReadOnlyList<(long Start, long End)> MediaData { get; }

    /// <exception cref="Mp4FormatException">The file is not a whole, unfragmented MP4/MOV.</exception>
    public static MovieBoxes Read(SafeFileHandle file, long length)
    {
        ArgumentNullException.ThrowIfNull(file);
        byte[]? movie = null;
        var mediaData = new List<(long, long)>();
        Span<byte> header = stackalloc byte[16];
        for (long at = 0; at < length;)
        {
            if (length - at < 8) throw new Mp4FormatException($"the file ends inside a box header at byte {at}");
            RandomAccess.Read(file, header[..8], at);
            long size = BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = Encoding.ASCII.GetString(header[4..8]);
            var headerSize = 8;
            if (size == 1)
            {
                if (RandomAccess.Read(file, header[8..16], at + 8) < 8) throw new Mp4FormatException($"the file ends inside the header of box '{type}'");
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(header[8..]);
                headerSize = 16;
            }
            else if (size == 0)
            {
                size = length - at;
            }

            if (size < headerSize) throw new Mp4FormatException($"box '{type}' at byte {at} has an impossible size {size}");
            if (size > length - at)
            {
                throw new Mp4FormatException(string.Create(CultureInfo.InvariantCulture,
                    $"the file is cut short: box '{type}' at byte {at} needs {size} bytes, {length - at} are left"));
            }

            switch (type)
            {
                case "moov":
                    if (movie is not null) throw new Mp4FormatException("the file has two movie boxes");
                    if (size > MaxMovieBox) throw new Mp4FormatException($"the movie box is {size} bytes, more than this reader takes");
                    movie = new byte[size - headerSize];
                    RandomAccess.Read(file, movie, at + headerSize);
                    break;
                case "mdat":
                    mediaData.Add((at + headerSize, at + size));
                    break;
                case "moof":
                    throw new Mp4FormatException("the file is fragmented (movie fragments): its frames are not all in the movie box");
            }

            at += size;
        }

        if (movie is null) throw new Mp4FormatException("the file has no movie box (moov): the muxer did not finish it");
        var tracks = new List<MovieTrack>();
        uint timescale = 0;
        ulong duration = 0;
        foreach (var (type, body) in Children(movie))
        {
            if (type == "mvhd") (timescale, duration) = TimeHeader(body);
            else if (type == "trak") tracks.Add(Track(body));
            else if (type == "mvex") throw new Mp4FormatException("the file is fragmented (mvex): its frames are not all in the movie box");
        }

        if (timescale == 0) throw new Mp4FormatException("the movie box has no movie header (mvhd)");
        return new MovieBoxes(tracks, timescale, duration, mediaData, movie.AsSpan().IndexOf("covr"u8) >= 0);
    }

    private static MovieTrack Track(ReadOnlySpan<byte> trak)
    {
        var track = new MovieTrack();
        foreach (var (type, body) in Children(trak))
        {
            if (type == "tkhd")
            {
                track.Upright = IdentityMatrix(body);
                track.Matrix = MatrixOf(body);
            }
            else if (type == "mdia")
            {
                Media(body, track);
            }
            else if (type == "edts")
            {
                foreach (var (inner, elst) in Children(body))
                {
                    if (inner == "elst") track.Edits = EditList(elst);
                }
            }
        }

        return track;
    }

    private static void Media(ReadOnlySpan<byte> mdia, MovieTrack track)
    {
        foreach (var (type, body) in Children(mdia))
        {
            switch (type)
            {
                case "mdhd":
                    (track.Timescale, track.MediaDuration) = TimeHeader(body);
                    break;
                case "hdlr":
                    Need(body, 12, "hdlr");
                    track.Handler = Encoding.ASCII.GetString(body.AsSpan(8, 4));
                    break;
                case "minf":
                    foreach (var (inner, stbl) in Children(body))
                    {
                        if (inner == "stbl") SampleTable(stbl, track);
                    }

                    break;
            }
        }
    }

    private static void SampleTable(ReadOnlySpan<byte> stbl, MovieTrack track)
    {
        (uint First, uint Samples)[] runs = [];
        foreach (var (type, body) in Children(stbl))
        {
            switch (type)
            {
                case "stsd":
                    SampleEntry(body, track);
                    break;
                case "stts":
                    ulong ticks = 0;
                    track.TimeToSample = [.. Entries(body, 8, "stts").Select(e => (BinaryPrimitives.ReadUInt32BigEndian(e), BinaryPrimitives.ReadUInt32BigEndian(e.AsSpan(4))))];
                    foreach (var (count, delta) in track.TimeToSample) ticks += (ulong)count * delta;
                    track.SampleTicks = ticks;
                    break;
                case "stsz":
                    track.SampleSizes = SampleSizes(body);
                    break;
                case "stz2":
                    track.SampleSizes = CompactSampleSizes(body);
                    break;
                case "stco":
                    track.ChunkOffsets = [.. Entries(body, 4, "stco").Select(e => (long)BinaryPrimitives.ReadUInt32BigEndian(e))];
                    break;
                case "co64":
                    track.ChunkOffsets = [.. Entries(body, 8, "co64").Select(e => (long)BinaryPrimitives.ReadUInt64BigEndian(e))];
                    break;
                case "stsc":
                    runs = [.. Entries(body, 12, "stsc").Select(e => (BinaryPrimitives.ReadUInt32BigEndian(e), BinaryPrimitives.ReadUInt32BigEndian(e[4..])))];
                    break;
                case "ctts":
                    track.NegativeCompositionOffsets = Entries(body, 8, "ctts").Any(e => BinaryPrimitives.ReadInt32BigEndian(e.AsSpan(4)) < 0);
                    break;
                case "stss":
                    track.SyncSamples = [.. Entries(body, 4, "stss").Select(e => BinaryPrimitives.ReadUInt32BigEndian(e))];
                    break;
            }
        }

        track.ChunkSamples = new int[track.ChunkOffsets.Length];
        for (var r = 0; r < runs.Length; r++)
        {
            var first = (long)runs[r].First;
            var next = r + 1 < runs.Length ? runs[r + 1].First : (long)track.ChunkOffsets.Length + 1;
            if (first < 1 || next <= first || next > track.ChunkOffsets.Length + 1) throw new Mp4FormatException("the sample-to-chunk table (stsc) does not fit the chunk offsets");
            for (var c = first; c < next; c++) track.ChunkSamples[c - 1] = (int)runs[r].Samples;
        }

        if (track.ChunkSamples.Sum(n => (long)n) != track.SampleCount)
        {
            throw new Mp4FormatException(string.Create(CultureInfo.InvariantCulture,
                $"a '{track.Handler}' track's chunks hold {track.ChunkSamples.Sum(n => (long)n)} samples, its size table lists {track.SampleCount}"));
        }
    }

    private static void SampleEntry(ReadOnlySpan<byte> stsd, MovieTrack track)
    {
        Need(stsd, 8, "stsd");
        if (BinaryPrimitives.ReadUInt32BigEndian(stsd[4..]) == 0) return;
        var entry = stsd[8..];
        Need(entry, 8, "stsd");
        var size = BinaryPrimitives.ReadUInt32BigEndian(entry);
        if (size < 8 || size > entry.Length) throw new Mp4FormatException("the sample description (stsd) runs past its box");
        track.Format = Encoding.ASCII.GetString(entry.Slice(4, 4));
        var body = entry[8..(int)size];
        int childrenAt;
        if (track.Handler == "vide")
        {
            Need(body, 78, "visual sample entry");
            track.Width = BinaryPrimitives.ReadUInt16BigEndian(body[24..]);
            track.Height = BinaryPrimitives.ReadUInt16BigEndian(body[26..]);
            childrenAt = 78;
        }
        else if (track.Handler == "soun")
        {
            Need(body, 28, "audio sample entry");
            var version = BinaryPrimitives.ReadUInt16BigEndian(body[8..]);
            childrenAt = version switch { 1 => 44, 2 => 64, _ => 28 };
            if (body.Length < childrenAt) return;
        }
        else
        {
            return;
        }

        foreach (var (type, child) in Children(body[childrenAt..], lenient: true))
        {
            switch (type)
            {
                case "avcC" or "hvcC":
                    track.DecoderConfig = child.ToArray();
                    break;
                case "colr" when child.Length >= 10:
                    track.ColrBoxes++;
                    var kind = Encoding.ASCII.GetString(child[..4]);
                    if (kind is "nclx" or "nclc")
                    {
                        bool? full = kind == "nclx" && child.Length >= 11 ? (child[10] & 0x80) != 0 : null;
                        track.Colr = (BinaryPrimitives.ReadUInt16BigEndian(child[4..]), BinaryPrimitives.ReadUInt16BigEndian(child[6..]),
                            BinaryPrimitives.ReadUInt16BigEndian(child[8..]), full);
                    }

                    break;
                case "esds":
                    track.AudioObjectType = EsdsObjectType(child);
                    break;
                case "enda" when child.Length >= 2:
                    track.LittleEndian = child[1] == 1;
                    break;
                case "wave":
                    foreach (var (inner, payload) in Children(child, lenient: true))
                    {
                        if (inner == "esds") track.AudioObjectType = EsdsObjectType(payload);
                        else if (inner == "enda" && payload.Length >= 2) track.LittleEndian = payload[1] == 1;
                    }

                    break;
            }
        }
    }

    /// <summary>The object type of the decoder config descriptor (tag 4) inside an <c>esds</c> box.</summary>
    private static byte EsdsObjectType(ReadOnlySpan<byte> esds)
    {
        var at = 4;
        while (at < esds.Length)
        {
            var tag = esds[at++];
            var length = 0;
            for (var i = 0; i < 4 && at < esds.Length; i++)
            {
                var b = esds[at++];
                length = (length << 7) | (b & 0x7F);
                if ((b & 0x80) == 0) break;
            }

            switch (tag)
            {
                case 3:
                    if (at + 3 > esds.Length) return 0;
                    var flags = esds[at + 2];
                    at += 3;
                    if ((flags & 0x80) != 0) at += 2;
                    if ((flags & 0x40) != 0 && at < esds.Length) at += 1 + esds[at];
                    if ((flags & 0x20) != 0) at += 2;
                    break;
                case 4:
                    return at < esds.Length ? esds[at] : (byte)0;
                default:
                    at += length;
                    break;
            }
        }

        return 0;
    }

    private static long[] SampleSizes(ReadOnlySpan<byte> stsz)
    {
        Need(stsz, 12, "stsz");
        var fixedSize = BinaryPrimitives.ReadUInt32BigEndian(stsz[4..]);
        var count = BinaryPrimitives.ReadUInt32BigEndian(stsz[8..]);
        if (fixedSize != 0)
        {
            var all = new long[count];
            Array.Fill(all, fixedSize);
            return all;
        }

        if ((ulong)count * 4 > (ulong)(stsz.Length - 12)) throw new Mp4FormatException("the sample size table (stsz) runs past its box");
        var sizes = new long[count];
        for (var i = 0; i < sizes.Length; i++) sizes[i] = BinaryPrimitives.ReadUInt32BigEndian(stsz[(12 + (4 * i))..]);
        return sizes;
    }

    private static long[] CompactSampleSizes(ReadOnlySpan<byte> stz2)
    {
        Need(stz2, 12, "stz2");
        var field = stz2[7];
        var count = BinaryPrimitives.ReadUInt32BigEndian(stz2[8..]);
        if (field is not (4 or 8 or 16) || (ulong)count * field > (ulong)(stz2.Length - 12) * 8) throw new Mp4FormatException("the compact sample size table (stz2) runs past its box");
        var sizes = new long[count];
        for (var i = 0; i < sizes.Length; i++)
        {
            sizes[i] = field switch
            {
                4 => (stz2[12 + (i / 2)] >> (i % 2 == 0 ? 4 : 0)) & 0xF,
                8 => stz2[12 + i],
                _ => BinaryPrimitives.ReadUInt16BigEndian(stz2[(12 + (2 * i))..]),
            };
        }

        return sizes;
    }

    /// <summary>The entries of a full box with a 32-bit entry count (version/flags, count, then entries of <paramref name="width"/> bytes).</summary>
    private static List<byte[]> Entries(ReadOnlySpan<byte> body, int width, string box)
    {
        Need(body, 8, box);
        var count = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
        if ((ulong)count * (ulong)width > (ulong)(body.Length - 8)) throw new Mp4FormatException($"the '{box}' table runs past its box");
        var entries = new List<byte[]>((int)count);
        for (var i = 0; i < count; i++) entries.Add(body.Slice(8 + (i * width), width).ToArray());
        return entries;
    }

    private static (uint Timescale, ulong Duration) TimeHeader(ReadOnlySpan<byte> body)
    {
        Need(body, 4, "time header");
        return body[0] == 1
            ? (Need(body, 32, "time header") ? BinaryPrimitives.ReadUInt32BigEndian(body[20..]) : 0, BinaryPrimitives.ReadUInt64BigEndian(body[24..]))
            : (Need(body, 20, "time header") ? BinaryPrimitives.ReadUInt32BigEndian(body[12..]) : 0, BinaryPrimitives.ReadUInt32BigEndian(body[16..]));
    }

    /// <summary>The nine entries of a track header's matrix, or null when the header is too short.</summary>
    private static int[]? MatrixOf(ReadOnlySpan<byte> tkhd)
    {
        var at = tkhd.Length > 0 && tkhd[0] == 1 ? 52 : 40;
        if (tkhd.Length < at + 36) return null;
        var m = new int[9];
        for (var i = 0; i < 9; i++) m[i] = BinaryPrimitives.ReadInt32BigEndian(tkhd[(at + (4 * i))..]);
        return m;
    }

    /// <summary>The entries of an edit list box (version 0: 32-bit fields, version 1: 64-bit).</summary>
    private static (ulong Duration, long MediaTime, int Rate)[] EditList(ReadOnlySpan<byte> elst)
    {
        Need(elst, 8, "elst");
        var wide = elst[0] == 1;
        var width = wide ? 20 : 12;
        var count = BinaryPrimitives.ReadUInt32BigEndian(elst[4..]);
        if ((ulong)count * (ulong)width > (ulong)(elst.Length - 8)) throw new Mp4FormatException("the 'elst' table runs past its box");
        var edits = new (ulong, long, int)[count];
        for (var i = 0; i < edits.Length; i++)
        {
            var e = elst.Slice(8 + (i * width), width);
            edits[i] = wide
                ? (BinaryPrimitives.ReadUInt64BigEndian(e), BinaryPrimitives.ReadInt64BigEndian(e[8..]), BinaryPrimitives.ReadInt32BigEndian(e[16..]))
                : (BinaryPrimitives.ReadUInt32BigEndian(e), BinaryPrimitives.ReadInt32BigEndian(e[4..]), BinaryPrimitives.ReadInt32BigEndian(e[8..]));
        }

        return edits;
    }

    /// <summary>A track header's matrix is (1, 0, 0, 1) in its rotation/scale part.</summary>
    private static bool IdentityMatrix(ReadOnlySpan<byte> tkhd)
    {
        var at = tkhd.Length > 0 && tkhd[0] == 1 ? 52 : 40;
        if (tkhd.Length < at + 36) return true;
        var m = tkhd[at..];
        return BinaryPrimitives.ReadInt32BigEndian(m) == 0x10000 && BinaryPrimitives.ReadInt32BigEndian(m[4..]) == 0
            && BinaryPrimitives.ReadInt32BigEndian(m[12..]) == 0 && BinaryPrimitives.ReadInt32BigEndian(m[16..]) == 0x10000;
    }

    /// <summary>The child boxes of a container box's payload. Not lenient: a child that runs past its parent is an error.</summary>
    private static List<(string Type, byte[] Body)> Children(ReadOnlySpan<byte> payload, bool lenient = false)
    {
        var children = new List<(string, byte[])>();
        for (var at = 0; at + 8 <= payload.Length;)
        {
            long size = BinaryPrimitives.ReadUInt32BigEndian(payload[at..]);
            var type = Encoding.ASCII.GetString(payload.Slice(at + 4, 4));
            var headerSize = 8;
            if (size == 1 && at + 16 <= payload.Length)
            {
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(payload[(at + 8)..]);
                headerSize = 16;
            }
            else if (size == 0)
            {
                size = payload.Length - at;
            }

            if (size < headerSize || size > payload.Length - at)
            {
                if (lenient) break;
                throw new Mp4FormatException($"box '{type}' runs past the box that holds it");
            }

            children.Add((type, payload.Slice(at + headerSize, (int)size - headerSize).ToArray()));
            at += (int)size;
        }

        return children;
    }

    private static bool Need(ReadOnlySpan<byte> body, int bytes, string what) =>
        body.Length >= bytes ? true : throw new Mp4FormatException($"the '{what}' box is too short");
}
