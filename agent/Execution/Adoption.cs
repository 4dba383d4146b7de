using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Execution;

/// <summary>
/// A new attempt of a task recognises the output an earlier attempt was granted to publish (the assignment's
/// <see cref="PublishedOutput"/>): a file at the output path of exactly that size and SHA-256 is the task's own, so it
/// is adopted instead of rendered again, and never refused as an output that "already exists". Any other file is not
/// the farm's and is treated as before. The file-system reads of adoption are here.
/// </summary>
public static class Adoption
{
    /// <returns>The recorded output, placed at <paramref name="outputPath"/>, when the file there is exactly it; otherwise null.</returns>
    public static async Task<OutputInfo?> TryAsync(string outputPath, PublishedOutput? published, CancellationToken cancellationToken)
    {
        if (published?.Output is not { Sha256.Length: > 0 } output) return null;
        var file = new FileInfo(outputPath);
        if (!file.Exists || file.Length != (long)output.SizeBytes) return null;
        string sha256;
        try
        {
            sha256 = await RenderPipeline.Sha256Async(outputPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        if (!string.Equals(sha256, output.Sha256, StringComparison.OrdinalIgnoreCase)) return null;
        var adopted = output.Clone();
        adopted.Path = outputPath;
        return adopted;
    }
}
