using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;

namespace RenderFarm.Coordinator.Dashboard;

/// <summary>
/// The dashboard's few static files (page, script, style), built into the coordinator as resources so there is no
/// folder to deploy. Each is read once and kept with a gzip copy and an ETag; the script is the committed bundle that
/// <c>scripts/lib/build-dashboard.sh</c> makes from <c>dashboard/</c>.
/// </summary>
public sealed class DashboardAssets
{
    private const string Prefix = "RenderFarm.Coordinator.Dashboard.Assets.";

    private readonly Dictionary<string, Asset> _assets = new(StringComparer.Ordinal);

    public DashboardAssets()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var file = name[Prefix.Length..];
            _assets["/" + file] = Asset.Load(assembly, name, file);
        }
    }

    /// <summary>The file served at <paramref name="path"/> ("/" is the page), or null.</summary>
    public Asset? Find(string path) => _assets.GetValueOrDefault(path == "/" ? "/index.html" : path);

    /// <summary>One static file: its bytes, their gzip, the content type and an ETag over the bytes.</summary>
    public sealed record Asset(byte[] Bytes, byte[] Gzip, string ContentType, string ETag)
    {
        internal static Asset Load(Assembly assembly, string resource, string file)
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var plain = new MemoryStream();
            stream.CopyTo(plain);
            var bytes = plain.ToArray();
            using var zipped = new MemoryStream();
            using (var gzip = new GZipStream(zipped, CompressionLevel.SmallestSize, leaveOpen: true)) gzip.Write(bytes);
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"";
            return new Asset(bytes, zipped.ToArray(), ContentTypeOf(file), etag);
        }

        private static string ContentTypeOf(string file) => Path.GetExtension(file) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
    }
}
