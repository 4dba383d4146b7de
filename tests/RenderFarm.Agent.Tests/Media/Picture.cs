using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using RenderFarm.Agent.Media;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Media;

/// <summary>Measurements of rendered pictures: luma samples, patch means, linear light, HDR10 side data.</summary>
internal static partial class Picture
{
    /// <summary>Every luma sample of every frame, on the file's own bit depth, and that depth.</summary>
    public static async Task<(ushort[] Samples, int Bits)> LumaAsync(string path)
    {
        var bits = await BitsAsync(path);
        var raw = Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileNameWithoutExtension(path) + ".y.raw");
        await ProcessRunner.FfmpegAsync("-i", path, "-map", "0:v:0", "-vf", "extractplanes=y", "-f", "rawvideo", "-pix_fmt", bits > 8 ? "gray16le" : "gray", raw);
        var bytes = await File.ReadAllBytesAsync(raw);
        File.Delete(raw);
        if (bits <= 8)
        {
            return (bytes.Select(b => (ushort)b).ToArray(), 8);
        }

        // gray10 -> gray16le scales by 64 (with the top bits copied into the low ones): shift back.
        var samples = new ushort[bytes.Length / 2];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (ushort)(BitConverter.ToUInt16(bytes, 2 * i) >> (16 - bits));
        }

        return (samples, bits);
    }

    /// <summary>Shares (0..1) of luma samples below 16 and above 235 (scaled to the bit depth).</summary>
    public static (double Below, double Above) IllegalShares(ushort[] samples, int bits)
    {
        var scale = 1 << (bits - 8);
        var below = samples.Count(s => s < 16 * scale);
        var above = samples.Count(s => s > 235 * scale);
        return ((double)below / samples.Length, (double)above / samples.Length);
    }

    /// <summary>Mean Y, U, V (8-bit scale) of the <paramref name="crop"/> (<c>w:h:x:y</c>) over every frame.</summary>
    public static async Task<(double Y, double U, double V)> MeansAsync(string path, string crop)
    {
        var bits = await BitsAsync(path);
        var result = await ProcessRunner.RunAsync("ffmpeg", [
            "-hide_banner", "-nostdin", "-v", "error", "-i", path, "-map", "0:v:0",
            "-vf", $"crop={crop},signalstats,metadata=mode=print:file=-", "-f", "null", "-",
        ]);
        double Mean(string key) => Regex.Matches(result.StandardOutput, $@"lavfi\.signalstats\.{key}=([\d.]+)")
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Average() / (1 << (bits - 8));
        return (Mean("YAVG"), Mean("UAVG"), Mean("VAVG"));
    }

    /// <summary>Linear light (BT.1886: a 2.4 power of the BT.709 limited-range signal) of 8-bit Y, U, V means.</summary>
    public static (double R, double G, double B) Linear((double Y, double U, double V) yuv)
    {
        var y = (yuv.Y - 16) / 219;
        var u = (yuv.U - 128) / 224;
        var v = (yuv.V - 128) / 224;
        static double L(double e) => Math.Pow(Math.Clamp(e, 0, 1), 2.4);
        return (L(y + (1.5748 * v)), L(y - (0.1873 * u) - (0.4681 * v)), L(y + (1.8556 * u)));
    }

    /// <summary>Luminance (BT.709 weights) of linear RGB.</summary>
    public static double Luminance((double R, double G, double B) rgb) => (0.2126 * rgb.R) + (0.7152 * rgb.G) + (0.0722 * rgb.B);

    /// <summary>The HDR10 metadata of the first frame and of the stream, as ffprobe reads it; null when there is none.</summary>
    public static async Task<Hdr10Metadata?> Hdr10Async(string path)
    {
        var result = await ProcessRunner.RunAsync("ffprobe", [
            "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1", "-show_frames",
            "-show_entries", "frame=side_data_list:stream=side_data_list", "-of", "json", path,
        ]);
        using var doc = JsonDocument.Parse(result.StandardOutput);
        var entries = new List<JsonElement>();
        foreach (var section in (string[])["streams", "frames"])
        {
            if (doc.RootElement.TryGetProperty(section, out var items))
            {
                foreach (var item in items.EnumerateArray())
                {
                    if (item.TryGetProperty("side_data_list", out var list))
                    {
                        entries.AddRange(list.EnumerateArray().Select(e => e.Clone()));
                    }
                }
            }
        }

        return Hdr10Metadata.FromSideData(entries);
    }

    private static async Task<int> BitsAsync(string path) =>
        MediaProbe.BitDepthOf(await Ffprobe.VideoFieldAsync(path, "pix_fmt")) ?? 8;
}
