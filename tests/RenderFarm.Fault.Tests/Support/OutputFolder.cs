using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>Checks that a render was published whole: one file, every frame, decodes cleanly, nothing half-done beside it.</summary>
public static class OutputFolder
{
    /// <summary>Prefix of the agent's scratch folders beside an output (RenderPipeline.ScratchPrefix).</summary>
    public const string ScratchPrefix = ".renderfarm-";

    /// <summary>Scratch folders beside <paramref name="output"/>.</summary>
    public static IReadOnlyList<string> ScratchFolders(string output) =>
        Directory.Exists(Path.GetDirectoryName(output))
            ? Directory.GetDirectories(Path.GetDirectoryName(output)!, ScratchPrefix + "*").Select(Path.GetFileName).OfType<string>().Order().ToList()
            : [];

    /// <summary>The lower-case hex SHA-256 of a file (what the agent reports as <c>OutputInfo.sha256</c>).</summary>
    public static async Task<string> Sha256Async(string path)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(stream));
    }

    /// <summary>Total bytes under a folder.</summary>
    public static long SizeOf(string folder) =>
        Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;

    /// <summary>Everything in the output's folder, by name.</summary>
    public static IReadOnlyList<string> Entries(string output) =>
        Directory.Exists(Path.GetDirectoryName(output))
            ? Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(output)!).Select(Path.GetFileName).OfType<string>().Order().ToList()
            : [];

    /// <summary>
    /// The output's folder holds exactly <paramref name="output"/> (plus the scratch folders named in
    /// <paramref name="tolerated"/>, e.g. one a killed agent could not remove); it has the source's frame count
    /// and decodes without a single error.
    /// </summary>
    public static async Task AssertPublishedWholeAsync(string output, long sourceFrames, IEnumerable<string>? tolerated = null)
    {
        var allowed = (tolerated ?? []).ToHashSet(StringComparer.Ordinal);
        var entries = Entries(output);
        var unexpected = entries.Where(e => e != Path.GetFileName(output) && !allowed.Contains(e)).ToList();
        Assert.True(unexpected.Count == 0, $"the output folder should hold only {Path.GetFileName(output)}, but also has: {string.Join(", ", unexpected)}");
        Assert.True(File.Exists(output), $"{output} was not published (folder has: {string.Join(", ", entries)})");

        var frames = await Ffprobe.CountFramesAsync(output);
        Assert.True(frames == sourceFrames, $"{Path.GetFileName(output)} has {frames} frames, the source has {sourceFrames}");
        var errors = await Measure.DecodeErrorsAsync(output);
        Assert.True(errors.Length == 0, $"{Path.GetFileName(output)} does not decode cleanly:\n{errors}");
    }
}
