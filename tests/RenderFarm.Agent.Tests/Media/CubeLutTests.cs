using System.Globalization;
using System.Text;
using RenderFarm.Agent.Media;

namespace RenderFarm.Agent.Tests.Media;

public sealed class CubeLutTests
{
    private static string Identity(int size, string header = "TITLE \"identity\"\n# a comment\nLUT_3D_SIZE {0}\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 1 1\n")
    {
        var sb = new StringBuilder(string.Format(CultureInfo.InvariantCulture, header, size));
        for (var b = 0; b < size; b++)
        {
            for (var g = 0; g < size; g++)
            {
                for (var r = 0; r < size; r++)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"{r / (size - 1.0):0.######} {g / (size - 1.0):0.######} {b / (size - 1.0):0.######}\n");
                }
            }
        }

        return sb.ToString();
    }

    private static CubeLut Parse(string text) => CubeLut.Parse(new StringReader(text));

    private static LutFormatException Fails(string text) => Assert.Throws<LutFormatException>(() => Parse(text));

    [Fact]
    public void Parse_WellFormedIdentity_ReadsSizeTitleAndEntriesRedFastest()
    {
        var lut = Parse(Identity(3));

        Assert.Equal(3, lut.Size);
        Assert.Equal("identity", lut.Title);
        Assert.Equal(27, lut.EntryCount);
        Assert.Equal((1f, 0f, 0f), lut[2, 0, 0]);
        Assert.Equal((0f, 0.5f, 1f), lut[0, 1, 2]);
    }

    [Fact]
    public void Parse_NoOptionalHeadersAndCrlf_IsAccepted()
    {
        var lut = Parse(Identity(2, "LUT_3D_SIZE {0}\r\n").Replace("\n", "\r\n", StringComparison.Ordinal));

        Assert.Equal(8, lut.EntryCount);
        Assert.Equal([0f, 0f, 0f], lut.DomainMin);
    }

    [Fact]
    public void Parse_LineWithTwoNumbers_NamesLineAndCount()
    {
        var lines = Identity(2).Split('\n').ToList();
        lines[7] = "0.5 0.5";  // line 8: the third data line (5 header lines, 1-based)

        var ex = Fails(string.Join('\n', lines));

        Assert.Equal(8, ex.LineNumber);
        Assert.Contains("line 8: expected 3 numbers, found 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OneEntryMissing_SaysExpectedAndFound()
    {
        var lines = Identity(33).TrimEnd('\n').Split('\n');

        var ex = Fails(string.Join('\n', lines[..^1]));

        Assert.Contains("expected 35937 entries for LUT_3D_SIZE 33, found 35936", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OneEntryTooMany_NamesTheExtraLine()
    {
        var ex = Fails(Identity(2) + "0 0 0\n");

        Assert.Equal(14, ex.LineNumber);
        Assert.Contains("found more", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nan")]
    [InlineData("NaN")]
    [InlineData("inf")]
    [InlineData("-Infinity")]
    [InlineData("1e39")]
    public void Parse_NonFiniteValue_IsRefusedWithLine(string bad)
    {
        var lines = Identity(2).Split('\n').ToList();
        lines[5] = $"0 {bad} 0";

        var ex = Fails(string.Join('\n', lines));

        Assert.Equal(6, ex.LineNumber);
        Assert.Contains("line 6:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TextInsteadOfNumber_NamesLine()
    {
        var lines = Identity(2).Split('\n').ToList();
        lines[9] = "0 zero 1";

        var ex = Fails(string.Join('\n', lines));

        Assert.Contains("line 10: 'zero' is not a number", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OneDimensionalLut_IsRefused()
    {
        var ex = Fails("TITLE \"1d\"\nLUT_1D_SIZE 2\n0 0 0\n1 1 1\n");

        Assert.Contains("line 2:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1D", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("LUT_3D_SIZE 1")]
    [InlineData("LUT_3D_SIZE 257")]
    [InlineData("LUT_3D_SIZE abc")]
    [InlineData("LUT_3D_SIZE 17 17")]
    public void Parse_BadSize_IsRefusedWithLine(string sizeLine)
    {
        var ex = Fails($"# header\n{sizeLine}\n0 0 0\n");

        Assert.Contains("line 2: LUT_3D_SIZE must be a whole number from 2 to 256", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DataBeforeSize_IsRefused()
    {
        var ex = Fails("0 0 0\nLUT_3D_SIZE 2\n");

        Assert.Contains("line 1: found a data line before LUT_3D_SIZE", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownKeyword_IsRefused()
    {
        var ex = Fails("LUT_3D_SIZE 2\nmovie=evil.mp4\n");

        Assert.Contains("line 2: unknown keyword", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EmptyFile_SaysNoSize()
    {
        var ex = Fails("# nothing\n");

        Assert.Contains("LUT_3D_SIZE", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DomainMinNotBelowMax_IsRefused()
    {
        var ex = Fails(Identity(2, "LUT_3D_SIZE {0}\nDOMAIN_MIN 0 1 0\nDOMAIN_MAX 1 1 1\n"));

        Assert.Contains("DOMAIN_MIN must be below DOMAIN_MAX", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteCanonical_RoundTrips_AndDropsTitleAndComments()
    {
        var lut = CubeLut.Create(5, (r, g, b) => (r * 0.9f, g, Math.Min(1, b * 1.1f)));
        var path = Path.GetTempFileName();
        try
        {
            lut.WriteCanonical(path);
            var text = File.ReadAllText(path);
            var again = CubeLut.Load(path);

            Assert.StartsWith("LUT_3D_SIZE 5\n", text, StringComparison.Ordinal);
            Assert.DoesNotContain("#", text, StringComparison.Ordinal);
            Assert.DoesNotContain("TITLE", text, StringComparison.Ordinal);
            Assert.Equal(lut[4, 2, 3], again[4, 2, 3]);
            Assert.Equal(125, again.EntryCount);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_MissingFile_ThrowsLutFormatException()
    {
        var ex = Assert.Throws<LutFormatException>(() => CubeLut.Load("/nonexistent/grade.cube"));

        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }
}
