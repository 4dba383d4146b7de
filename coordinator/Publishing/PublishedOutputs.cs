using System.Security.Cryptography;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Media;
using RenderFarm.Protos.Media;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Publishing;

/// <summary>
/// The coordinator's file-system side of publishing, kept in one place: whether an output path holds exactly the bytes
/// a grant recorded, and removing what a dead attempt left beside an output (its scratch folder, its upload file).
/// The decisions (what is recorded, committed, adopted) are <see cref="Dispatch.AttemptLifecycle"/>'s.
/// </summary>
public sealed partial class PublishedOutputs(MediaRoots roots, ILogger<PublishedOutputs> logger)
{
    /// <summary>True when the grant's output path holds a file of exactly the granted size and SHA-256.</summary>
    public async Task<bool> HoldsAsync(PublishRecord grant, CancellationToken cancellationToken)
    {
        if (!TryPlace(grant.Output, out var path)) return false;
        return await MatchesAsync(path, grant.SizeBytes, grant.Sha256, cancellationToken);
    }

    /// <summary>True when <paramref name="path"/> is a file of <paramref name="size"/> bytes whose SHA-256 is <paramref name="sha256"/>.</summary>
    public static async Task<bool> MatchesAsync(string path, long size, string sha256, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 20,
                FileOptions.SequentialScan | FileOptions.Asynchronous);
            if (file.Length != size) return false;
            var hash = await SHA256.HashDataAsync(file, cancellationToken);
            return string.Equals(Convert.ToHexStringLower(hash), sha256, StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Removes the scratch folder and upload file <paramref name="attemptId"/> left beside <paramref name="output"/>, if any.</summary>
    public void RemoveLeftovers(MediaRef output, string attemptId)
    {
        if (!TryPlace(output, out var path) || Path.GetDirectoryName(path) is not { } folder) return;
        var scratch = Path.Combine(folder, ScratchNames.Folder(attemptId));
        var upload = Path.Combine(folder, ScratchNames.Upload(attemptId));
        try
        {
            if (Directory.Exists(scratch))
            {
                // A recursive delete removes links (the input's) without following them.
                Directory.Delete(scratch, recursive: true);
                Log.ScratchRemoved(logger, attemptId, scratch);
            }

            if (File.Exists(upload))
            {
                File.Delete(upload);
                Log.ScratchRemoved(logger, attemptId, upload);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.ScratchLeft(logger, attemptId, scratch, ex.Message);
        }
    }

    private bool TryPlace(MediaRef media, out string path)
    {
        path = "";
        if (media is not { Root.Length: > 0, Path.Length: > 0 } || roots.Roots.All(r => r.Name != media.Root)) return false;
        path = roots.ToLocalPath(media);
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Removed what attempt {AttemptId} left beside its output: {Path}")]
        public static partial void ScratchRemoved(ILogger logger, string attemptId, string path);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove what attempt {AttemptId} left beside its output ({Path}): {Error}")]
        public static partial void ScratchLeft(ILogger logger, string attemptId, string path, string error);
    }
}
