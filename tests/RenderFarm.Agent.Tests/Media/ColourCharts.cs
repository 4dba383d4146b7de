using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using RenderFarm.Agent.Execution;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Media;

/// <summary>
/// Generated charts (320x180, about 1 s) and every render the colour tests measure, made once for the class through
/// the real pipeline (probe, command, ffmpeg, verification): every preset from an SDR, an HLG and a PQ chart, and the
/// graded renders. The HDR charts hold SDR content twice: the left half with its white at HDR reference white
/// (203 cd/m2), the right half with its RGB taken as BT.2020 (colours outside BT.709, as phones record) and its white
/// at 1000 cd/m2. The HLG chart has a variable frame rate like a phone (0.6 s at 30 fps, then 0.6 s at 15 fps: r_frame_rate 30, average 22.5); the
/// PQ chart carries HDR10 metadata (<see cref="MasterDisplay"/>, MaxCLL 1000, MaxFALL 400).
/// </summary>
public sealed class ColourCharts : IAsyncLifetime
{
    /// <summary>The PQ chart's mastering display in x265's notation (P3 primaries, D65, 1000 / 0.0001 cd/m2).</summary>
    public const string MasterDisplay = "G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1)";

    /// <summary>Code value (8-bit, limited) of 18 % grey under BT.1886 (a 2.4 power): 16 + 219 * 0.18^(1/2.4).</summary>
    public const int GreyCode = 123;

    /// <summary>Code value of 9 % grey, one stop below <see cref="GreyCode"/>.</summary>
    public const int DarkGreyCode = 96;

    private readonly TempDir _dir = new("colour");
    private readonly RenderPipeline _pipeline = new(NullLogger<RenderPipeline>.Instance);
    private readonly Dictionary<string, (string Path, OutputInfo Info)> _renders = new(StringComparer.Ordinal);

    public static IEnumerable<Preset> Presets => Enum.GetValues<Preset>().Where(p => p != Preset.Unspecified);

    public static readonly string[] Sources = ["sdr", "hlg", "pq"];

    public string Sdr => _dir.File("chart-sdr.mp4");

    public string Hlg => _dir.File("chart-hlg.mp4");

    public string Pq => _dir.File("chart-pq.mp4");

    public string Grey => _dir.File("chart-grey.mp4");

    public string Muted => _dir.File("chart-muted.mp4");

    public string Ramp10 => _dir.File("chart-ramp10.mkv");

    public string Lut => _dir.File("identity.cube");

    public string Source(string name) => _dir.File("chart-" + name + ".mp4");

    /// <summary>A render by its name: <c>{source}-{preset}</c> for the matrix, or the names in <see cref="InitializeAsync"/>.</summary>
    public (string Path, OutputInfo Info) this[string name] => _renders[name];

    public async Task InitializeAsync()
    {
        await MakeSourcesAsync();
        foreach (var source in Sources)
        {
            foreach (var preset in Presets)
            {
                await RenderAsync($"{source}-{preset}", Source(source), new OutputSettings { Preset = preset });
            }

            await RenderAsync($"{source}-identity-lut", Source(source), new OutputSettings { Preset = Preset.H264Proxy540P }, lut: Lut);
        }

        // 10-bit outputs, so that a code value is a small step of linear light also in the shadows of a channel.
        var delivery = new OutputSettings { Preset = Preset.H264Delivery, BitDepth = 10 };
        await RenderAsync("grey", Grey, delivery);
        await RenderAsync("grey+1", Grey, delivery, new Grade { Exposure = 1 });
        await RenderAsync("grey-1", Grey, delivery, new Grade { Exposure = -1 });
        await RenderAsync("grey-contrast2", Grey, delivery, new Grade { Contrast = 2 });
        await RenderAsync("grey-contrast0.5", Grey, delivery, new Grade { Contrast = 0.5 });
        await RenderAsync("grey-3200k", Grey, delivery, new Grade { Temperature = 3200 });
        await RenderAsync("muted", Muted, delivery);
        await RenderAsync("muted-sat2", Muted, delivery, new Grade { Saturation = 2 });
        await RenderAsync("sdr-sat0", Sdr, delivery, new Grade { Saturation = 0 });
        await RenderAsync("hlg-fps25", Hlg, new OutputSettings { Preset = Preset.H264Proxy540P, FrameRate = "25" });
        await RenderAsync("ramp10-hevc", Ramp10, new OutputSettings { Preset = Preset.HevcDelivery });
        await RenderAsync("ramp10-prores", Ramp10, new OutputSettings { Preset = Preset.Prores422Hq });
        await RenderAsync("ramp10-hevc-exposure", Ramp10, new OutputSettings { Preset = Preset.HevcDelivery }, new Grade { Exposure = 0.5 });
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    private async Task RenderAsync(string name, string input, OutputSettings settings, Grade? grade = null, string? lut = null)
    {
        PresetCatalog.TryGet(settings.Preset, out var preset);
        var output = _dir.File(name + preset!.Extensions[0]);
        var info = await _pipeline.RunAsync(
            new RenderRequest(Guid.NewGuid().ToString("N"), input, output, lut, settings, grade, true), _ => { }, CancellationToken.None);
        _renders[name] = (output, info);
    }

    private async Task MakeSourcesAsync()
    {
        const string Sdr709 = "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p";
        string[] tags709 = ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv"];
        await ProcessRunner.FfmpegAsync([
            "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=1", "-vf", Sdr709,
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "10", .. tags709, Sdr]);

        // The HDR charts: testsrc2 halves put into HLG / PQ by zscale (see the class summary).
        static string ToHdr(string primaries, string transfer, int nits) => string.Create(CultureInfo.InvariantCulture,
            $"{Sdr709},setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv,"
            + $"zscale=tin=bt709:min=bt709:pin={primaries}:rin=limited:t=linear:npl={nits}:p={primaries},format=gbrpf32le,"
            + $"zscale=tin=linear:pin={primaries}:p=bt2020:t={transfer}:m=bt2020nc:r=limited:npl={nits},format=yuv420p10le");
        foreach (var (name, transfer) in new[] { ("hlg", "arib-std-b67"), ("pq", "smpte2084") })
        {
            var chart = $"[0:v]{ToHdr("bt709", transfer, 203)}[a];[1:v]{ToHdr("bt2020", transfer, 1000)}[b];[a][b]hstack";
            string[] timing = name == "hlg"
                ? ["-filter_complex", $"{chart},split[p][q];[p]trim=end=0.6[p1];[q]trim=start=0.6,setpts=PTS-STARTPTS,fps=15[q1];[p1][q1]concat=n=2:v=1:a=0[v]",
                    "-map", "[v]", "-fps_mode", "passthrough"]
                : ["-filter_complex", $"{chart},trim=end=1[v]", "-map", "[v]"];
            var x265 = name == "pq" ? $"log-level=error:crf=8:hdr10=1:master-display={MasterDisplay}:max-cll=1000,400" : "log-level=error:crf=8";
            await ProcessRunner.FfmpegAsync([
                "-f", "lavfi", "-i", "testsrc2=s=160x180:r=30:d=1.2", "-f", "lavfi", "-i", "testsrc2=s=160x180:r=30:d=1.2", .. timing,
                "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", x265, "-tag:v", "hvc1",
                "-color_primaries", "bt2020", "-color_trc", transfer, "-colorspace", "bt2020nc", "-color_range", "tv", Source(name)]);
        }

        // Flat charts: 18 % grey beside 9 % grey (BT.1886), and one muted orange.
        await ProcessRunner.FfmpegAsync([
            "-f", "lavfi", "-i", "color=c=black:s=320x180:r=25:d=1", "-vf",
            $"format=yuv420p,geq=lum='if(lt(X,160),{GreyCode},{DarkGreyCode})':cb=128:cr=128",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "1", .. tags709, Grey]);
        await ProcessRunner.FfmpegAsync([
            "-f", "lavfi", "-i", "color=c=black:s=320x180:r=25:d=1", "-vf", "format=yuv420p,geq=lum=120:cb=120:cr=136",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "1", .. tags709, Muted]);

        // A 10-bit ramp: 320 columns from code 64 to 940, more steps than 8 bits can hold.
        await ProcessRunner.FfmpegAsync([
            "-f", "lavfi", "-i", "color=c=black:s=320x180:r=25:d=0.4", "-vf", "format=yuv420p10le,geq=lum='64+X*876/319':cb=512:cr=512",
            "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error:lossless=1", .. tags709, Ramp10]);

        await File.WriteAllTextAsync(Lut, IdentityCube(17));
    }

    private static string IdentityCube(int n)
    {
        var sb = new System.Text.StringBuilder($"LUT_3D_SIZE {n}\n");
        for (var b = 0; b < n; b++)
        {
            for (var g = 0; g < n; g++)
            {
                for (var r = 0; r < n; r++)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"{r / (double)(n - 1):0.######} {g / (double)(n - 1):0.######} {b / (double)(n - 1):0.######}\n");
                }
            }
        }

        return sb.ToString();
    }
}
