using System.Security.Cryptography;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Execution;

/// <summary>
/// A new attempt of a task recognises the output an earlier attempt was granted to publish (the assignment's
/// <see cref="PublishedOutput"/>): a file at the output's name of exactly that size and SHA-256 is the task's own, so it
/// is adopted instead of rendered again, and never refused as an output that "already exists". Any other file is not
/// the farm's and is treated as before. The file-system reads of adoption are here, through the output's folder opened
/// beneath its media root.
/// </summary>
public static class Adoption
{
    /// <returns>The recorded output, placed at <paramref name="outputPath"/>, when the file named <paramref name="name"/> in <paramref name="folder"/> is exactly it; otherwise null.</returns>
    public static async Task<OutputInfo?> TryAsync(MediaDirectory folder, string name, string outputPath, PublishedOutput? published, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (published?.Output is not { Sha256.Length: > 0 } output) return null;
        string sha256;
        try
        {
            using var file = folder.OpenFile(name);
            if (file.Length != (long)output.SizeBytes) return null;
            await using var stream = file.OpenRead(1 << 20);
            sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
        catch (MediaAccessException)
        {
            return null;
        }

        if (!string.Equals(sha256, output.Sha256, StringComparison.OrdinalIgnoreCase)) return null;
        var adopted = output.Clone();
        adopted.Path = outputPath;
        return adopted;
    }
}
