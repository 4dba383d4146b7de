using RenderFarm.Agent.Media;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;
using Xunit.Abstractions;

namespace RenderFarm.Agent.Tests.Media;

/// <summary>
/// The colour pipeline measured on rendered charts (<see cref="ColourCharts"/>): legal levels, identity LUT, exposure,
/// contrast, saturation and white balance against their definitions in linear light, HDR10 carried, HLG kept,
/// variable frame rate snapped, and 10-bit kept at 10 bits.
/// </summary>
public sealed class ColourPipelineTests(ColourCharts charts, ITestOutputHelper log) : IClassFixture<ColourCharts>
{
    public static TheoryData<string, Preset> EveryPresetFromEveryChart()
    {
        var data = new TheoryData<string, Preset>();
        foreach (var source in ColourCharts.Sources)
        {
            foreach (var preset in ColourCharts.Presets)
            {
                data.Add(source, preset);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPresetFromEveryChart))]
    public async Task Render_EveryPresetFromEveryChart_HasLegalLevelsAndTheRightTransfer(string source, Preset preset)
    {
        var (path, info) = charts[$"{source}-{preset}"];
        PresetCatalog.TryGet(preset, out var p);

        var (samples, bits) = await Picture.LumaAsync(path);
        var (below, above) = Picture.IllegalShares(samples, bits);
        log.WriteLine($"{source} {preset}: {below:P2} below 16, {above:P2} above 235, {info.ColorTransfer}, {info.FrameRate}");

        Assert.True(below <= 0.01, $"{below:P2} of luma samples below 16");
        Assert.True(above <= 0.01, $"{above:P2} of luma samples above 235");
        var keepsHdr = source != "sdr" && p!.DefaultBitDepth == 10 && !preset.ToString().StartsWith("H264", StringComparison.Ordinal)
            && preset is not (Preset.DnxhrLb or Preset.DnxhrSq or Preset.DnxhrHq);
        var transfer = !keepsHdr ? "bt709" : source == "pq" ? "smpte2084" : "arib-std-b67";
        Assert.Equal(transfer, info.ColorTransfer);
        Assert.Equal(keepsHdr ? "bt2020" : "bt709", info.ColorPrimaries);
    }

    [Theory]
    [InlineData("sdr")]
    [InlineData("hlg")]
    [InlineData("pq")]
    public async Task Render_IdentityLut_ChangesNothingAgainstTheUngradedRender(string source)
    {
        var ungraded = charts[$"{source}-{Preset.H264Proxy540P}"].Path;
        var graded = charts[$"{source}-identity-lut"].Path;

        var psnr = await Measure.PsnrAsync(ungraded, graded);
        log.WriteLine($"{source}: identity LUT vs no LUT {psnr:0.00} dB");

        Assert.True(psnr >= 60, $"identity LUT vs no LUT: {psnr:0.0} dB");
    }

    [Theory]
    [InlineData("grey+1", 1)]
    [InlineData("grey-1", -1)]
    [InlineData("grey", 0)]
    public async Task Render_Exposure_MovesMidGreyByItsStopsInLinearLight(string render, double stops)
    {
        var before = Picture.Luminance(Picture.Linear(await Picture.MeansAsync(charts.Grey, Grey)));
        var after = Picture.Luminance(Picture.Linear(await Picture.MeansAsync(charts[render].Path, Grey)));

        var moved = Math.Log2(after / before);
        log.WriteLine($"{render}: mid grey moved {moved:0.000} stops");

        Assert.InRange(moved, stops - 0.1, stops + 0.1);
    }

    [Theory]
    [InlineData("grey-contrast2", 2)]
    [InlineData("grey-contrast0.5", 0.5)]
    public async Task Render_Contrast_ScalesTheStopsFromMidGrey(string render, double contrast)
    {
        var inGrey = Picture.Luminance(Picture.Linear(await Picture.MeansAsync(charts.Grey, Grey)));
        var inDark = Picture.Luminance(Picture.Linear(await Picture.MeansAsync(charts.Grey, Dark)));
        var outGrey = Picture.Luminance(Picture.Linear(await Picture.MeansAsync(charts[render].Path, Grey)));
        var outDark = Picture.Luminance(Picture.Linear(await Picture.MeansAsync(charts[render].Path, Dark)));

        var stopsIn = Math.Log2(inDark / inGrey);
        var stopsOut = Math.Log2(outDark / outGrey);
        log.WriteLine($"{render}: {stopsIn:0.000} stops from grey became {stopsOut:0.000}; grey moved {Math.Log2(outGrey / inGrey):0.000}");

        Assert.InRange(Math.Log2(outGrey / inGrey), -0.1, 0.1);
        Assert.InRange(stopsOut, (contrast * stopsIn) - 0.1, (contrast * stopsIn) + 0.1);
    }

    [Fact]
    public async Task Render_Saturation2_DoublesEachChannelsDistanceFromLuminanceInLinearLight()
    {
        var before = Picture.Linear(await Picture.MeansAsync(charts["muted"].Path, Centre));
        var after = Picture.Linear(await Picture.MeansAsync(charts["muted-sat2"].Path, Centre));
        var yBefore = Picture.Luminance(before);
        var yAfter = Picture.Luminance(after);
        log.WriteLine($"saturation 2: R-Y x{(after.R - yAfter) / (before.R - yBefore):0.000}, B-Y x{(after.B - yAfter) / (before.B - yBefore):0.000}, luminance {Math.Log2(yAfter / yBefore):0.000} stops");

        Assert.InRange(Math.Log2(yAfter / yBefore), -0.1, 0.1);
        Assert.InRange((after.R - yAfter) / (before.R - yBefore), 1.9, 2.1);
        Assert.InRange((after.B - yAfter) / (before.B - yBefore), 1.9, 2.1);
    }

    [Fact]
    public async Task Render_Saturation0_IsNeutralGrey()
    {
        var (_, u, v) = await Picture.MeansAsync(charts["sdr-sat0"].Path, "320:180:0:0");

        Assert.InRange(u, 127, 129);
        Assert.InRange(v, 127, 129);
    }

    [Fact]
    public async Task Render_Temperature3200_TintsGreyByThePlanckianRatioAndKeepsItsLuminance()
    {
        // Planckian locus: 3200 K at x,y = 0.4234, 0.3990 and 6500 K at 0.3135, 0.3236 (CIE 1931), in linear BT.709.
        var warm = Bt709(0.4234, 0.3990);
        var neutral = Bt709(0.3135, 0.3236);
        var expectRg = warm.R / neutral.R / (warm.G / neutral.G);
        var expectBg = warm.B / neutral.B / (warm.G / neutral.G);
        var before = Picture.Linear(await Picture.MeansAsync(charts.Grey, Grey));
        var after = Picture.Linear(await Picture.MeansAsync(charts["grey-3200k"].Path, Grey));

        var rg = after.R / after.G / (before.R / before.G);
        var bg = after.B / after.G / (before.B / before.G);
        log.WriteLine($"3200 K: R/G x{rg:0.000} (definition {expectRg:0.000}), B/G x{bg:0.000} (definition {expectBg:0.000})");

        Assert.InRange(rg, expectRg * 0.97, expectRg * 1.03);
        Assert.InRange(bg, expectBg * 0.97, expectBg * 1.03);
        Assert.InRange(Math.Log2(Picture.Luminance(after) / Picture.Luminance(before)), -0.1, 0.1);
    }

    [Theory]
    [InlineData(Preset.HevcDelivery)]
    [InlineData(Preset.Av1Delivery)]
    public async Task Render_PqToAnHdr10Encoder_CarriesTheSourcesMasteringDisplayAndLightLevel(Preset preset)
    {
        var source = await Picture.Hdr10Async(charts.Pq);
        var (path, info) = charts[$"pq-{preset}"];

        var output = await Picture.Hdr10Async(path);

        Assert.Equal("smpte2084", info.ColorTransfer);
        Assert.NotNull(source?.Mastering);
        Assert.NotNull(output?.Mastering);
        Assert.Equal(1000, output.MaxCll);
        Assert.Equal(400, output.MaxFall);
        var (s, o) = (source.Mastering, output.Mastering);
        int[] expected = [s.RedX, s.RedY, s.GreenX, s.GreenY, s.BlueX, s.BlueY, s.WhiteX, s.WhiteY];
        int[] actual = [o.RedX, o.RedY, o.GreenX, o.GreenY, o.BlueX, o.BlueY, o.WhiteX, o.WhiteY];
        Assert.All(expected.Zip(actual), pair => Assert.InRange(pair.Second, pair.First - 25, pair.First + 25)); // 0.0005 in x,y
        Assert.InRange(o.MaxLuminance, s.MaxLuminance - 10000, s.MaxLuminance + 10000);
        Assert.InRange(o.MinLuminance, 0, 5);
    }

    [Fact]
    public async Task ProbeAsync_PqChart_ReadsItsHdr10Metadata()
    {
        var source = await MediaProbe.ProbeAsync(charts.Pq, CancellationToken.None);

        Assert.Equal(
            new Hdr10Metadata(new MasteringDisplay(34000, 16000, 13250, 34500, 7500, 3000, 15635, 16450, 10000000, 1), 1000, 400),
            source.Hdr10);
        Assert.Null((await MediaProbe.ProbeAsync(charts.Hlg, CancellationToken.None)).Hdr10);
    }

    [Theory]
    [InlineData(Preset.HevcDelivery)]
    [InlineData(Preset.Av1Delivery)]
    [InlineData(Preset.Prores422Hq)]
    [InlineData(Preset.DnxhrHqx)]
    public async Task Render_HlgKept_StaysHlgWithNoHdr10MetadataInvented(Preset preset)
    {
        var (path, info) = charts[$"hlg-{preset}"];

        var hdr10 = await Picture.Hdr10Async(path);

        Assert.Equal("arib-std-b67", info.ColorTransfer);
        Assert.Equal("arib-std-b67", await Ffprobe.VideoFieldAsync(path, "color_transfer"));
        Assert.Null(hdr10);
    }

    [Fact]
    public async Task Render_VariableRatePhoneChartToAProxy_SnapsToItsNominal30AndSaysSo()
    {
        var (path, info) = charts[$"hlg-{Preset.H264Proxy540P}"];

        Assert.Equal("30/1", info.FrameRate);
        Assert.Contains("30", info.FrameRateReason, StringComparison.Ordinal);
        Assert.Equal("30/1", await Ffprobe.VideoFieldAsync(path, "avg_frame_rate"));
    }

    [Fact]
    public async Task Render_VariableRateSourceWithFrameRateGiven_UsesTheGivenRate()
    {
        var (path, info) = charts["hlg-fps25"];

        Assert.Equal("25/1", info.FrameRate);
        Assert.Equal("as requested", info.FrameRateReason);
        Assert.Equal("25/1", await Ffprobe.VideoFieldAsync(path, "avg_frame_rate"));
    }

    [Theory]
    [InlineData("ramp10-hevc")]
    [InlineData("ramp10-prores")]
    [InlineData("ramp10-hevc-exposure")]
    public async Task Render_10BitRampKeptAt10Bit_KeepsMoreStepsThan8BitsHold(string render)
    {
        var (samples, bits) = await Picture.LumaAsync(charts[render].Path);

        var distinct = samples.Distinct().Count();
        log.WriteLine($"{render}: {distinct} distinct luma codes");

        Assert.Equal(10, bits);
        Assert.True(distinct > 256, $"{distinct} distinct luma codes; 8 bits hold at most 220 in limited range");
    }

    private const string Grey = "120:140:20:20";
    private const string Dark = "120:140:180:20";
    private const string Centre = "280:140:20:20";

    private static (double R, double G, double B) Bt709(double x, double y)
    {
        var (cx, cz) = (x / y, (1 - x - y) / y);
        return ((3.2404542 * cx) - 1.5371385 - (0.4985314 * cz), (-0.9692660 * cx) + 1.8760108 + (0.0415560 * cz), (0.0556434 * cx) - 0.2040259 + (1.0572252 * cz));
    }
}
