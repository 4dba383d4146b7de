using RenderFarm.Agent.Media;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Tests.Media;

public sealed class RenderCommandBuilderTests
{
    private static RenderCommand Build(OutputSettings settings, SourceInfo? source = null, Grade? grade = null, bool hasLut = false, string? ext = null) =>
        RenderCommandBuilder.Build(settings, grade, hasLut, source ?? Sources.Sdr(), ext);

    private static string After(RenderCommand command, string option)
    {
        var args = command.OutputArguments;
        var i = args.ToList().IndexOf(option);
        Assert.True(i >= 0 && i + 1 < args.Count, $"{option} is missing from: {string.Join(' ', args)}");
        return args[i + 1];
    }

    [Theory]
    [InlineData(Preset.H264Proxy540P, "libx264", null, "yuv420p", "h264", ".mp4")]
    [InlineData(Preset.H264Proxy720P, "libx264", null, "yuv420p", "h264", ".mp4")]
    [InlineData(Preset.Prores422Proxy, "prores_aw", "0", "yuv422p10le", "prores", ".mov")]
    [InlineData(Preset.Prores422Lt, "prores_aw", "1", "yuv422p10le", "prores", ".mov")]
    [InlineData(Preset.Prores422, "prores_aw", "2", "yuv422p10le", "prores", ".mov")]
    [InlineData(Preset.Prores422Hq, "prores_aw", "3", "yuv422p10le", "prores", ".mov")]
    [InlineData(Preset.DnxhrLb, "dnxhd", "dnxhr_lb", "yuv422p", "dnxhd", ".mov")]
    [InlineData(Preset.DnxhrSq, "dnxhd", "dnxhr_sq", "yuv422p", "dnxhd", ".mov")]
    [InlineData(Preset.DnxhrHq, "dnxhd", "dnxhr_hq", "yuv422p", "dnxhd", ".mov")]
    [InlineData(Preset.DnxhrHqx, "dnxhd", "dnxhr_hqx", "yuv422p10le", "dnxhd", ".mov")]
    [InlineData(Preset.H264Delivery, "libx264", null, "yuv420p", "h264", ".mp4")]
    [InlineData(Preset.HevcDelivery, "libx265", null, "yuv420p10le", "hevc", ".mp4")]
    [InlineData(Preset.Av1Delivery, "libsvtav1", null, "yuv420p10le", "av1", ".mp4")]
    public void Build_EachPreset_UsesItsEncoderProfileAndPixelFormat(Preset preset, string encoder, string? profile, string pixFmt, string probeCodec, string ext)
    {
        var command = Build(new OutputSettings { Preset = preset });

        Assert.Equal(encoder, After(command, "-c:v"));
        Assert.Equal(encoder, PresetCatalog.Get(preset).VideoEncoder);
        if (profile is null)
        {
            Assert.DoesNotContain("-profile:v", command.OutputArguments);
        }
        else
        {
            Assert.Equal(profile, After(command, "-profile:v"));
        }

        Assert.Equal(pixFmt, After(command, "-pix_fmt"));
        Assert.Contains($"format={pixFmt},setparams=", command.VideoFilter, StringComparison.Ordinal);
        Assert.Equal(probeCodec, command.Expect.VideoCodec);
        Assert.Equal("output" + ext, command.OutputFileName);
    }

    [Theory]
    [InlineData(Preset.H264Delivery, "18")]
    [InlineData(Preset.HevcDelivery, "22")]
    [InlineData(Preset.Av1Delivery, "32")]
    [InlineData(Preset.H264Proxy540P, "23")]
    public void Build_NoCrf_UsesPresetDefault(Preset preset, string crf)
    {
        Assert.Equal(crf, After(Build(new OutputSettings { Preset = preset }), "-crf"));
    }

    [Fact]
    public void Build_Delivery8Bit_Uses420p8AndCrfGiven()
    {
        var command = Build(new OutputSettings { Preset = Preset.HevcDelivery, BitDepth = 8, Crf = 28 });

        Assert.Equal("yuv420p", After(command, "-pix_fmt"));
        Assert.Equal("28", After(command, "-crf"));
        Assert.Equal("Main", command.Expect.Profile);
    }

    [Fact]
    public void Build_Av1_UsesSvtPreset8()
    {
        Assert.Equal("8", After(Build(new OutputSettings { Preset = Preset.Av1Delivery }), "-preset"));
    }

    [Theory]
    [InlineData(Preset.H264Proxy540P, ".mp4", true)]
    [InlineData(Preset.H264Delivery, ".mkv", false)]
    [InlineData(Preset.Prores422, ".mov", true)]
    public void Build_IsoMediaContainers_GetFaststart(Preset preset, string ext, bool faststart)
    {
        var command = Build(new OutputSettings { Preset = preset }, ext: ext);

        Assert.Equal(faststart, command.OutputArguments.Contains("+faststart"));
    }

    [Theory]
    [InlineData(Preset.H264Proxy540P)]
    [InlineData(Preset.Prores422Hq)]
    [InlineData(Preset.HevcDelivery)]
    public void Build_SdrSource_SetsAllFourBt709Tags(Preset preset)
    {
        var command = Build(new OutputSettings { Preset = preset });

        Assert.Equal("bt709", After(command, "-color_primaries"));
        Assert.Equal("bt709", After(command, "-color_trc"));
        Assert.Equal("bt709", After(command, "-colorspace"));
        Assert.Equal("tv", After(command, "-color_range"));
        Assert.Equal(ColorTags.Bt709, command.Expect.Color);
    }

    [Fact]
    public void Build_UntaggedSource_IsRetaggedBt709BeforeAnyConversion()
    {
        var command = Build(new OutputSettings { Preset = Preset.H264Proxy540P }, Sources.Untagged());

        Assert.StartsWith("fps=25/1,scale=w=960:h=540,setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv,zscale=tin=bt709:min=bt709:pin=bt709:rin=limited", command.VideoFilter, StringComparison.Ordinal);
        Assert.Equal("bt709", After(command, "-colorspace"));
    }

    [Fact]
    public void Build_Bt601Source_ConvertsMatrixThroughRgb()
    {
        var command = Build(new OutputSettings { Preset = Preset.H264Proxy540P }, Sources.Sdr(space: "smpte170m"));

        Assert.Contains("zscale=tin=bt709:min=smpte170m:pin=bt709:rin=limited:t=bt709:p=bt709", command.VideoFilter, StringComparison.Ordinal);
        Assert.Contains(":t=bt709:p=bt709:npl=203,format=gbrp16le,zscale=tin=bt709:pin=bt709:rin=full:m=bt709:r=limited,format=yuv420p,", command.VideoFilter, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_HlgToProxy_ToneMapsAndTagsBt709()
    {
        var command = Build(new OutputSettings { Preset = Preset.H264Proxy540P }, Sources.PhoneHlg());

        Assert.Contains(
            "zscale=tin=arib-std-b67:min=bt2020nc:pin=bt2020:rin=limited:t=linear:p=bt709:npl=203,format=gbrpf32le,tonemap=tonemap=mobius:peak=4.926108:desat=0,"
            + "zscale=tin=linear:pin=bt709:t=bt709:p=bt709:npl=203,format=gbrp16le,zscale=tin=bt709:pin=bt709:rin=full:m=bt709:r=limited,format=yuv420p,",
            command.VideoFilter, StringComparison.Ordinal);
        Assert.Equal("bt709", After(command, "-color_trc"));
        Assert.Equal(ColorTags.Bt709, command.Expect.Color);
    }

    [Fact]
    public void Build_HlgTo10BitHevcUnspecified_KeepsHdrTags()
    {
        var command = Build(new OutputSettings { Preset = Preset.HevcDelivery }, Sources.PhoneHlg());

        Assert.DoesNotContain("tonemap", command.VideoFilter, StringComparison.Ordinal);
        Assert.Equal("bt2020", After(command, "-color_primaries"));
        Assert.Equal("arib-std-b67", After(command, "-color_trc"));
        Assert.Equal("bt2020nc", After(command, "-colorspace"));
        Assert.Equal("tv", After(command, "-color_range"));
    }

    [Fact]
    public void Build_HlgTo10BitWithGrade_ToneMapsBeforeTheGrade()
    {
        var command = Build(new OutputSettings { Preset = Preset.HevcDelivery }, Sources.PhoneHlg(), new Grade { Exposure = 0.5 }, hasLut: true);
        var filter = command.VideoFilter;

        Assert.True(filter.IndexOf("tonemap", StringComparison.Ordinal) < filter.IndexOf("lut3d", StringComparison.Ordinal));
        Assert.Equal("bt709", After(command, "-color_primaries"));
    }

    [Fact]
    public void Build_HdrKeepWith8BitOutput_TellsWhatToChange()
    {
        var ex = Assert.Throws<RenderSettingsException>(() =>
            Build(new OutputSettings { Preset = Preset.H264Proxy540P, HdrMode = HdrMode.Keep }, Sources.PhoneHlg()));

        Assert.Equal("hdr_mode", ex.Field);
        Assert.Contains("10-bit", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TONE_MAP_SDR", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_HdrKeepWithLut_TellsWhatToChange()
    {
        var ex = Assert.Throws<RenderSettingsException>(() =>
            Build(new OutputSettings { Preset = Preset.Prores422Hq, HdrMode = HdrMode.Keep }, Sources.PhoneHlg(), hasLut: true));

        Assert.Equal("hdr_mode", ex.Field);
        Assert.Contains("LUT", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_Grade_RunsOnLinearLightThenContrastAndLutThenClipsAndConvertsBackExplicitly()
    {
        var grade = new Grade { Exposure = 0.5, Contrast = 1.2, Saturation = 1.1, Temperature = 5000 };
        var filter = Build(new OutputSettings { Preset = Preset.Prores422 }, grade: grade, hasLut: true).VideoFilter;

        string[] order = [
            "t=linear", "format=gbrpf32le", "exposure=exposure=0.5:black=0", "colorchannelmixer=rr=1.07874:", "colorchannelmixer=rr=1.16401:gg=0.977703:bb=0.737923", "zscale=tin=linear:pin=bt709:t=bt709",
            "format=gbrp16le", "lutrgb=r='pow(val/maxval/", "lut3d=file=grade.cube", "zscale=tin=bt709:pin=bt709:rin=full:m=bt709:r=limited,format=yuv422p10le",
        ];
        var positions = order.Select(s => filter.IndexOf(s, StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, positions);
        Assert.Equal(positions.Order().ToList(), positions);
    }

    [Fact]
    public void Build_ExtremeExposureAndSaturation_SplitIntoFiltersWithinFfmpegRanges()
    {
        var filter = Build(new OutputSettings { Preset = Preset.Prores422 }, grade: new Grade { Exposure = -4, Saturation = 3 }).VideoFilter;

        Assert.Equal(2, filter.Split("exposure=exposure=-2").Length - 1);
        Assert.Equal(2, filter.Split("colorchannelmixer=").Length - 1);
    }

    [Fact]
    public void Build_NeutralGrade_IsTheUngradedChain()
    {
        var neutral = Build(new OutputSettings { Preset = Preset.Prores422 }, grade: new Grade { Exposure = 0, Contrast = 1, Saturation = 1, Temperature = 6500 }).VideoFilter;
        var ungraded = Build(new OutputSettings { Preset = Preset.Prores422 }).VideoFilter;

        Assert.Equal(ungraded, neutral);
        Assert.DoesNotContain("t=linear", neutral, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_IdentityLut_AddsOnlyTheLutToTheUngradedChain()
    {
        var ungraded = Build(new OutputSettings { Preset = Preset.H264Proxy540P }, Sources.PhoneHlg()).VideoFilter;
        var graded = Build(new OutputSettings { Preset = Preset.H264Proxy540P }, Sources.PhoneHlg(), hasLut: true).VideoFilter;

        Assert.Equal(ungraded, graded.Replace("lut3d=file=grade.cube:interp=tetrahedral,", "", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_HdrKeepWithContrast_TellsWhatToChange()
    {
        var ex = Assert.Throws<RenderSettingsException>(() =>
            Build(new OutputSettings { Preset = Preset.HevcDelivery, HdrMode = HdrMode.Keep }, Sources.PhoneHlg(), new Grade { Contrast = 1.5 }));

        Assert.Equal("hdr_mode", ex.Field);
        Assert.Contains("contrast", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_HdrKeepWithExposure_GradesLinearLightInBt2020AndStaysHdr()
    {
        var command = Build(new OutputSettings { Preset = Preset.HevcDelivery, HdrMode = HdrMode.Keep }, Sources.PhoneHlg(), new Grade { Exposure = 1, Saturation = 0.5 });

        Assert.Contains("t=linear:p=bt2020:npl=203,format=gbrpf32le,exposure=exposure=1:black=0,colorchannelmixer=rr=0.63135:", command.VideoFilter, StringComparison.Ordinal);
        Assert.Contains("zscale=tin=linear:pin=bt2020:t=arib-std-b67:p=bt2020", command.VideoFilter, StringComparison.Ordinal);
        Assert.Equal("arib-std-b67", After(command, "-color_trc"));
    }

    [Fact]
    public void Build_PqWithHdr10ToHevc_WritesMasterDisplayAndMaxCll()
    {
        var command = Build(new OutputSettings { Preset = Preset.HevcDelivery }, PhonePq());

        Assert.EndsWith(
            ":hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(40000000,50):max-cll=1200,300",
            After(command, "-x265-params"), StringComparison.Ordinal);
        Assert.Equal("smpte2084", After(command, "-color_trc"));
    }

    [Fact]
    public void Build_PqWithHdr10ToAv1_WritesSvtMasteringDisplayAndContentLight()
    {
        var command = Build(new OutputSettings { Preset = Preset.Av1Delivery }, PhonePq());

        Assert.Equal(
            "mastering-display=G(0.265,0.69)B(0.15,0.06)R(0.68,0.32)WP(0.3127,0.329)L(4000,0.005):content-light=1200,300",
            After(command, "-svtav1-params"));
    }

    [Theory]
    [InlineData(Preset.Prores422Hq)]
    [InlineData(Preset.DnxhrHqx)]
    public void Build_PqWithHdr10ToProResOrDnxhr_KeepsPqWithoutEncoderMetadata(Preset preset)
    {
        var command = Build(new OutputSettings { Preset = preset }, PhonePq());

        Assert.Equal("smpte2084", After(command, "-color_trc"));
        Assert.DoesNotContain("master", command.OutputArgumentText, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_HlgToHevc_InventsNoHdr10Metadata()
    {
        var command = Build(new OutputSettings { Preset = Preset.HevcDelivery }, Sources.PhoneHlg());

        Assert.DoesNotContain("master-display", command.OutputArgumentText, StringComparison.Ordinal);
        Assert.DoesNotContain("max-cll", command.OutputArgumentText, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_PqWithMaxCllToneMapped_UsesTheSourcesPeakOverReferenceWhite()
    {
        var command = Build(new OutputSettings { Preset = Preset.H264Proxy540P }, PhonePq());

        Assert.Contains("tonemap=tonemap=mobius:peak=5.91133:desat=0", command.VideoFilter, StringComparison.Ordinal);
    }

    private static SourceInfo PhonePq() => Sources.PhoneHlg() with
    {
        ColorTransfer = "smpte2084",
        Hdr10 = new Hdr10Metadata(new MasteringDisplay(34000, 16000, 13250, 34500, 7500, 3000, 15635, 16450, 40000000, 50), 1200, 300),
    };

    [Fact]
    public void OutputArgumentText_FilterWithSpaces_IsOneQuotedArgument()
    {
        var command = Build(new OutputSettings { Preset = Preset.Prores422 }, grade: new Grade { Contrast = 2 });

        Assert.Contains($"-vf \"{command.VideoFilter}\"", command.OutputArgumentText, StringComparison.Ordinal);
        Assert.Contains("lutrgb=r='pow(val/maxval/0.489437,2)*0.489437*maxval':g='", command.VideoFilter, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_FrameRateModeKeep_PassesTimingThrough()
    {
        var command = Build(new OutputSettings { Preset = Preset.H264Proxy540P, FrameRateMode = FrameRateMode.Keep });

        Assert.Equal("passthrough", After(command, "-fps_mode"));
        Assert.DoesNotContain("fps=", command.VideoFilter, StringComparison.Ordinal);
        Assert.Null(command.Expect.ConstantRate);
        Assert.Equal(250, command.Expect.ExpectedFrameCount);
    }

    [Fact]
    public void Build_KeepTimingOfCutThatHidesLeadInFrames_ExpectsNoPacketCount()
    {
        // A stream-copy cut at 0.7 s of a 30 fps H.264 source with B-frames: 83 packets from the keyframe before the
        // cut, 62 of them shown in its 2.1 s (measured with ffprobe: packets without the discard flag).
        var cut = Sources.Sdr() with { Duration = TimeSpan.FromSeconds(2.1), ContainerDuration = TimeSpan.FromSeconds(2.1), RealFrameRate = "30/1", AverageFrameRate = "30/1", FrameCount = 83 };

        var command = Build(new OutputSettings { Preset = Preset.H264Delivery }, cut);

        Assert.Null(command.Expect.ConstantRate);
        Assert.Null(command.Expect.ExpectedFrameCount);
        Assert.Equal(63, RenderCommandBuilder.ShownFrameCount(cut with { FrameCount = 63 }));
    }

    [Fact]
    public void Build_SourceWhoseContainerOutlastsItsVideoStream_LetsTheOutputLastUpToIt()
    {
        var cut = Sources.Sdr() with { Duration = TimeSpan.FromSeconds(3.0333), ContainerDuration = TimeSpan.FromSeconds(3.2) };

        var proxy = Build(new OutputSettings { Preset = Preset.H264Proxy540P }, cut);
        var plain = Build(new OutputSettings { Preset = Preset.H264Proxy540P }, Sources.Sdr() with { ContainerDuration = TimeSpan.FromSeconds(9.5) });

        Assert.Equal(TimeSpan.FromSeconds(3.2), proxy.Expect.LatestEnd);
        Assert.Equal(TimeSpan.FromSeconds(10), plain.Expect.LatestEnd);
        Assert.Null(plain.Expect.SourceLatestEnd);
    }

    [Theory]
    [InlineData("25", "fps=25/1", 250)]
    [InlineData("29.97", "fps=2997/100", 300)]
    [InlineData("30000/1001", "fps=30000/1001", 300)]
    [InlineData("", "fps=25/1", 250)]
    public void Build_FrameRateModeConstant_AddsFpsFilter(string rate, string filter, long frames)
    {
        var command = Build(new OutputSettings { Preset = Preset.H264Delivery, FrameRateMode = FrameRateMode.Constant, FrameRate = rate });

        Assert.StartsWith(filter + ",", command.VideoFilter, StringComparison.Ordinal);
        Assert.Equal(frames, command.Expect.ExpectedFrameCount);
    }

    [Fact]
    public void Build_UnspecifiedModeOnProxy_MakesVfrSourceConstantAtItsNominalStandardRate()
    {
        var command = Build(new OutputSettings { Preset = Preset.H264Proxy540P }, Sources.PhoneHlg());

        Assert.StartsWith("fps=30/1,", command.VideoFilter, StringComparison.Ordinal);
        Assert.Equal(new FrameRate(30, 1), command.Expect.ConstantRate);
        Assert.Equal("the standard rate nearest the variable-rate source's nominal 30 fps", command.Expect.FrameRateReason);
    }

    [Theory]
    [InlineData("90000/1", "2987/100", "30000/1001", "average 29.87")]
    [InlineData("60/1", "3077/250", "24000/1001", "average 12.308")]
    [InlineData("30/1", "25643/1000", "30/1", "nominal 30")]
    public void Build_VfrSourceWithoutFps_SnapsToTheNearestTimelineRateAndSaysWhy(string real, string average, string expected, string why)
    {
        var command = Build(new OutputSettings { Preset = Preset.Prores422 }, Sources.PhoneHlg() with { RealFrameRate = real, AverageFrameRate = average });

        Assert.Equal(expected, command.Expect.ConstantRate.ToString());
        Assert.Contains(why, command.Expect.FrameRateReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_VfrSourceWithFps_UsesTheGivenRate()
    {
        var command = Build(new OutputSettings { Preset = Preset.Prores422, FrameRate = "25" }, Sources.PhoneHlg());

        Assert.Equal(new FrameRate(25, 1), command.Expect.ConstantRate);
        Assert.Equal("as requested", command.Expect.FrameRateReason);
    }

    [Fact]
    public void Build_UnspecifiedModeOnDelivery_KeepsTiming()
    {
        var command = Build(new OutputSettings { Preset = Preset.HevcDelivery }, Sources.PhoneHlg());

        Assert.Equal("passthrough", After(command, "-fps_mode"));
    }

    [Theory]
    [InlineData(1920, 1080, Preset.H264Proxy540P, 960, 540)]
    [InlineData(1920, 1080, Preset.H264Proxy720P, 1280, 720)]
    [InlineData(1080, 1920, Preset.H264Proxy540P, 540, 960)]
    [InlineData(1440, 1080, Preset.H264Proxy540P, 720, 540)]
    [InlineData(1000, 562, Preset.H264Proxy540P, 960, 540)]
    [InlineData(321, 181, Preset.H264Proxy540P, 320, 180)]
    [InlineData(320, 180, Preset.H264Proxy720P, 320, 180)]
    [InlineData(4096, 2160, Preset.Prores422, 4096, 2160)]
    public void FitSize_PresetBox_KeepsAspectEvenNoUpscale(int w, int h, Preset preset, int ew, int eh)
    {
        var size = RenderCommandBuilder.FitSize(PresetCatalog.Get(preset), new OutputSettings { Preset = preset }, Sources.Sdr(w, h));

        Assert.Equal((ew, eh), size);
        Assert.True(size.Width % 2 == 0 && size.Height % 2 == 0);
    }

    [Fact]
    public void FitSize_UserBox_IsTakenAsWritten()
    {
        var settings = new OutputSettings { Preset = Preset.Prores422, MaxWidth = 640, MaxHeight = 640 };

        Assert.Equal((360, 640), RenderCommandBuilder.FitSize(PresetCatalog.Get(Preset.Prores422), settings, Sources.Sdr(1080, 1920)));
        Assert.Equal((640, 360), RenderCommandBuilder.FitSize(PresetCatalog.Get(Preset.Prores422), settings, Sources.Sdr(1920, 1080)));
    }

    [Fact]
    public void Build_ResizedSource_ScalesToComputedSize()
    {
        var command = Build(new OutputSettings { Preset = Preset.H264Proxy540P }, Sources.PhoneHlg());

        Assert.Contains("scale=w=540:h=960", command.VideoFilter, StringComparison.Ordinal);
        Assert.Equal((540, 960), (command.Expect.Width, command.Expect.Height));
    }

    [Theory]
    [InlineData(AudioCodec.Unspecified, Preset.H264Proxy540P, ".mp4", "aac")]
    [InlineData(AudioCodec.Unspecified, Preset.Prores422, ".mov", "pcm_s24le")]
    [InlineData(AudioCodec.Unspecified, Preset.Av1Delivery, ".mp4", "libopus")]
    [InlineData(AudioCodec.Pcm, Preset.H264Delivery, ".mkv", "pcm_s16le")]
    [InlineData(AudioCodec.Aac, Preset.DnxhrHq, ".mov", "aac")]
    public void Build_AudioCodec_PicksEncoder(AudioCodec codec, Preset preset, string ext, string encoder)
    {
        var command = Build(new OutputSettings { Preset = preset, AudioCodec = codec }, ext: ext);

        Assert.Equal(encoder, After(command, "-c:a"));
        Assert.Contains("0:a:0", command.OutputArguments);
        Assert.True(command.Expect.HasAudio);
    }

    [Fact]
    public void Build_AudioNoneOrSilentSource_DropsAudio()
    {
        var none = Build(new OutputSettings { Preset = Preset.H264Delivery, AudioCodec = AudioCodec.None });
        var silent = Build(new OutputSettings { Preset = Preset.H264Delivery }, Sources.Sdr(audio: false));

        Assert.Contains("-an", none.OutputArguments);
        Assert.Contains("-an", silent.OutputArguments);
        Assert.False(silent.Expect.HasAudio);
        Assert.DoesNotContain("0:a:0", silent.OutputArguments);
    }

    public static TheoryData<OutputSettings, string> InvalidSettings => new()
    {
        { new OutputSettings { Preset = Preset.H264Delivery, FrameRate = "abc" }, "frame_rate" },
        { new OutputSettings { Preset = Preset.H264Delivery, FrameRate = "0" }, "frame_rate" },
        { new OutputSettings { Preset = Preset.H264Delivery, FrameRate = "25;movie=x" }, "frame_rate" },
        { new OutputSettings { Preset = Preset.H264Delivery, FrameRate = "25", FrameRateMode = FrameRateMode.Keep }, "frame_rate" },
        { new OutputSettings { Preset = Preset.H264Delivery, BitDepth = 12 }, "bit_depth" },
        { new OutputSettings { Preset = Preset.Prores422, BitDepth = 8 }, "bit_depth" },
        { new OutputSettings { Preset = Preset.H264Delivery, Crf = 52 }, "crf" },
        { new OutputSettings { Preset = Preset.Prores422, Crf = 20 }, "crf" },
        { new OutputSettings { Preset = Preset.Unspecified }, "preset" },
        { new OutputSettings { Preset = Preset.H264Delivery, MaxWidth = 100_000 }, "max_width" },
        { new OutputSettings { Preset = Preset.H264Delivery, AudioCodec = AudioCodec.Pcm }, "audio_codec" },
        { new OutputSettings { Preset = Preset.H264Delivery, HdrMode = (HdrMode)42 }, "hdr_mode" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Build_InvalidSettings_ThrowsNamingTheField(OutputSettings settings, string field)
    {
        var ex = Assert.Throws<RenderSettingsException>(() => Build(settings));

        Assert.Equal(field, ex.Field);
        Assert.StartsWith(field + ":", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("exposure", 5)]
    [InlineData("contrast", 0.1)]
    [InlineData("saturation", double.NaN)]
    [InlineData("temperature", 500)]
    public void Build_GradeOutOfRange_ThrowsNamingTheField(string field, double value)
    {
        var grade = new Grade();
        switch (field)
        {
            case "exposure": grade.Exposure = value; break;
            case "contrast": grade.Contrast = value; break;
            case "saturation": grade.Saturation = value; break;
            default: grade.Temperature = value; break;
        }

        var ex = Assert.Throws<RenderSettingsException>(() => Build(new OutputSettings { Preset = Preset.Prores422 }, grade: grade));

        Assert.Equal("grade." + field, ex.Field);
    }

    [Fact]
    public void Build_WrongOutputExtension_NamesTheChoices()
    {
        var ex = Assert.Throws<RenderSettingsException>(() => Build(new OutputSettings { Preset = Preset.Prores422Hq }, ext: ".mp4"));

        Assert.Equal("output", ex.Field);
        Assert.Contains(".mov", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> HostilePaths => new()
    {
        "/media/out dir/it's a \"test\": take 1, v2; [final] =x.mov",
        "/media/a';movie=/etc/passwd[x];[x]b.mov",
        "/media/x,lut3d=file=evil.cube:y.mov",
    };

    [Theory]
    [MemberData(nameof(HostilePaths))]
    public void Build_HostilePaths_NeverAppearInArguments(string hostile)
    {
        var command = RenderCommandBuilder.Build(
            new OutputSettings { Preset = Preset.Prores422Hq }, new Grade { Exposure = 1 }, hasLut: true, Sources.Sdr(),
            Path.GetExtension(hostile), "input" + MediaProbe.SafeExtension(hostile));
        var all = string.Join('\n', command.Arguments);

        Assert.Equal("input.mov", command.InputFileName);
        Assert.Equal("output.mov", command.OutputFileName);
        foreach (var fragment in new[] { "media", "passwd", "evil", "take 1", "final", "out dir", "\"", "'s" })
        {
            Assert.DoesNotContain(fragment, all, StringComparison.Ordinal);
        }

        Assert.Contains("lut3d=file=grade.cube:interp=tetrahedral", command.VideoFilter, StringComparison.Ordinal);
    }

    [Fact]
    public void SafeExtension_HostileExtension_IsDropped()
    {
        Assert.Equal(string.Empty, MediaProbe.SafeExtension("/m/a.mp4;rm -rf"));
        Assert.Equal(".mov", MediaProbe.SafeExtension("/m/it's [x].MOV"));
    }
}
