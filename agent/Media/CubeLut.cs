using System.Globalization;
using System.Text;
using RenderFarm.Protos.Media.Beneath;

namespace RenderFarm.Agent.Media;

/// <summary>
/// A validated 3D LUT in the Adobe/Resolve <c>.cube</c> format. Parsing checks every line, so a bad file fails
/// here with a line number instead of as an ffmpeg error, and <see cref="WriteCanonical"/> hands ffmpeg a clean copy.
/// </summary>
public sealed class CubeLut
{
    public const int MinSize = 2;
    public const int MaxSize = 256;

    /// <summary>Largest file we read (a 256^3 LUT is about 600 MB of text; anything past this limit is refused).</summary>
    public const long MaxFileBytes = 1L << 30;

    private readonly float[] _values;

    private CubeLut(string? title, int size, float[] domainMin, float[] domainMax, float[] values)
    {
        Title = title;
        Size = size;
        DomainMin = domainMin;
        DomainMax = domainMax;
        _values = values;
    }

    public string? Title { get; }

    /// <summary>Entries per axis (<c>LUT_3D_SIZE</c>).</summary>
    public int Size { get; }

    public IReadOnlyList<float> DomainMin { get; }

    public IReadOnlyList<float> DomainMax { get; }

    /// <summary>Number of RGB entries (Size^3).</summary>
    public int EntryCount => Size * Size * Size;

    /// <summary>The output colour at grid point (r, g, b), red varying fastest as in the file.</summary>
    public (float R, float G, float B) this[int r, int g, int b]
    {
        get
        {
            var i = 3 * (r + (Size * (g + (Size * b))));
            return (_values[i], _values[i + 1], _values[i + 2]);
        }
    }

    /// <summary>Reads and validates a <c>.cube</c> file; throws <see cref="LutFormatException"/> when it is malformed.</summary>
    public static CubeLut Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new LutFormatException($"LUT file does not exist: {Path.GetFileName(path)}");
        }

        if (info.Length > MaxFileBytes)
        {
            throw new LutFormatException($"LUT file is {info.Length} bytes, more than the {MaxFileBytes} allowed");
        }

        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Parse(reader);
    }

    /// <summary>
    /// Reads and validates an open <c>.cube</c> file (opened once beneath its media root): the bytes parsed are that
    /// file's, whatever its name leads to by now. Throws <see cref="LutFormatException"/> when it is malformed.
    /// </summary>
    public static CubeLut Load(MediaFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Length > MaxFileBytes)
        {
            throw new LutFormatException($"LUT file is {file.Length} bytes, more than the {MaxFileBytes} allowed");
        }

        using var stream = file.OpenRead();
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Parse(reader);
    }

    /// <summary>Parses <c>.cube</c> text; throws <see cref="LutFormatException"/> when it is malformed.</summary>
    public static CubeLut Parse(TextReader reader)
    {
        string? title = null;
        int size = 0;
        float[] domainMin = [0f, 0f, 0f];
        float[] domainMax = [1f, 1f, 1f];
        float[]? values = null;
        int entries = 0;
        int lineNumber = 0;

        while (reader.ReadLine() is { } raw)
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var tokens = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var keyword = tokens[0].ToUpperInvariant();
            switch (keyword)
            {
                case "TITLE":
                    RequireHeader(entries, keyword, lineNumber);
                    title = line[keyword.Length..].Trim().Trim('"');
                    break;
                case "LUT_3D_SIZE":
                    RequireHeader(entries, keyword, lineNumber);
                    if (values is not null)
                    {
                        throw new LutFormatException("LUT_3D_SIZE appears twice", lineNumber);
                    }

                    if (tokens.Length != 2 || !int.TryParse(tokens[1], NumberStyles.None, CultureInfo.InvariantCulture, out size)
                        || size < MinSize || size > MaxSize)
                    {
                        throw new LutFormatException(
                            $"LUT_3D_SIZE must be a whole number from {MinSize} to {MaxSize}", lineNumber);
                    }

                    values = new float[3 * size * size * size];
                    break;
                case "DOMAIN_MIN":
                    RequireHeader(entries, keyword, lineNumber);
                    domainMin = ParseTriple(tokens, lineNumber);
                    break;
                case "DOMAIN_MAX":
                    RequireHeader(entries, keyword, lineNumber);
                    domainMax = ParseTriple(tokens, lineNumber);
                    break;
                case "LUT_1D_SIZE":
                    throw new LutFormatException("1D LUTs (LUT_1D_SIZE) are not supported; use a 3D LUT", lineNumber);
                case "LUT_1D_INPUT_RANGE":
                case "LUT_3D_INPUT_RANGE":
                    throw new LutFormatException($"{keyword} is not supported; use DOMAIN_MIN/DOMAIN_MAX", lineNumber);
                default:
                    if (tokens.Length != 3 && !IsNumberStart(keyword[0]))
                    {
                        throw new LutFormatException($"unknown keyword '{Clip(tokens[0])}'", lineNumber);
                    }

                    if (values is null)
                    {
                        throw new LutFormatException("found a data line before LUT_3D_SIZE", lineNumber);
                    }

                    if (tokens.Length != 3)
                    {
                        throw new LutFormatException($"expected 3 numbers, found {tokens.Length}", lineNumber);
                    }

                    if (entries == size * size * size)
                    {
                        throw new LutFormatException(
                            $"expected {size * size * size} entries for LUT_3D_SIZE {size}, found more", lineNumber);
                    }

                    for (var c = 0; c < 3; c++)
                    {
                        values[(3 * entries) + c] = ParseNumber(tokens[c], lineNumber);
                    }

                    entries++;
                    break;
            }
        }

        if (values is null)
        {
            throw new LutFormatException("no LUT_3D_SIZE line: not a 3D .cube LUT");
        }

        if (entries != size * size * size)
        {
            throw new LutFormatException(
                $"expected {size * size * size} entries for LUT_3D_SIZE {size}, found {entries}");
        }

        for (var c = 0; c < 3; c++)
        {
            if (!(domainMin[c] < domainMax[c]))
            {
                throw new LutFormatException("DOMAIN_MIN must be below DOMAIN_MAX in every channel");
            }
        }

        return new CubeLut(title, size, domainMin, domainMax, values);
    }

    /// <summary>Creates a LUT from a function of the normalized grid colour (0..1 per channel); handy for tests and tools.</summary>
    public static CubeLut Create(int size, Func<float, float, float, (float R, float G, float B)> map)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, MinSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MaxSize);
        var values = new float[3 * size * size * size];
        var i = 0;
        for (var b = 0; b < size; b++)
        {
            for (var g = 0; g < size; g++)
            {
                for (var r = 0; r < size; r++)
                {
                    var (ro, go, bo) = map(r / (size - 1f), g / (size - 1f), b / (size - 1f));
                    values[i++] = ro;
                    values[i++] = go;
                    values[i++] = bo;
                }
            }
        }

        return new CubeLut(null, size, [0f, 0f, 0f], [1f, 1f, 1f], values);
    }

    /// <summary>
    /// Writes the LUT as a canonical <c>.cube</c> (no title or comments, invariant numbers), the only form ffmpeg sees.
    /// </summary>
    public void WriteCanonical(string path)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16);
        writer.NewLine = "\n";
        writer.WriteLine($"LUT_3D_SIZE {Size.ToString(CultureInfo.InvariantCulture)}");
        writer.WriteLine($"DOMAIN_MIN {F(DomainMin[0])} {F(DomainMin[1])} {F(DomainMin[2])}");
        writer.WriteLine($"DOMAIN_MAX {F(DomainMax[0])} {F(DomainMax[1])} {F(DomainMax[2])}");
        for (var i = 0; i < _values.Length; i += 3)
        {
            writer.Write(F(_values[i]));
            writer.Write(' ');
            writer.Write(F(_values[i + 1]));
            writer.Write(' ');
            writer.WriteLine(F(_values[i + 2]));
        }
    }

    // Shortest text that reads back as the same float ("0.825", "1E-05"); ffmpeg's lut3d reads exponents too.
    private static string F(float value) => value.ToString(CultureInfo.InvariantCulture);

    private static void RequireHeader(int entries, string keyword, int lineNumber)
    {
        if (entries > 0)
        {
            throw new LutFormatException($"{keyword} must come before the data lines", lineNumber);
        }
    }

    private static bool IsNumberStart(char c) => char.IsAsciiDigit(c) || c is '-' or '+' or '.';

    private static float[] ParseTriple(string[] tokens, int lineNumber)
    {
        if (tokens.Length != 4)
        {
            throw new LutFormatException($"{tokens[0]} expects 3 numbers, found {tokens.Length - 1}", lineNumber);
        }

        return [ParseNumber(tokens[1], lineNumber), ParseNumber(tokens[2], lineNumber), ParseNumber(tokens[3], lineNumber)];
    }

    private static float ParseNumber(string token, int lineNumber)
    {
        if (!float.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new LutFormatException($"'{Clip(token)}' is not a number", lineNumber);
        }

        if (!float.IsFinite(value))
        {
            throw new LutFormatException($"'{Clip(token)}' is not a finite number (NaN and infinity are refused)", lineNumber);
        }

        return value;
    }

    private static string Clip(string text) => text.Length <= 32 ? text : text[..32] + "...";
}
