using System.Security.Cryptography;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Media;
using RenderFarm.Protos.Media;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Publishing;

/// <summary>
/// The coordinator's file-system side of publishing, kept in one place: whether an output holds exactly the bytes a
/// grant recorded, and removing what a dead attempt left beside an output (its scratch folder, its upload file). Both
/// act through the output's folder opened beneath its media root, never through a path looked up again.
/// The decisions (what is recorded, committed, adopted) are <see cref="Dispatch.AttemptLifecycle"/>'s.
/// </summary>
public sealed partial class PublishedOutputs(MediaRoots roots, ILogger<PublishedOutputs> logger)
{
    /// <summary>True when the grant's output is a file of exactly the granted size and SHA-256.</summary>
    public async Task<bool> HoldsAsync(PublishRecord grant, CancellationToken cancellationToken)
    {
        if (!TryOpenFolder(grant.Output, out var folder, out var name)) return false;
        using (folder)
        {
            return await HoldsAsync(folder, name, grant.SizeBytes, grant.Sha256, cancellationToken);
        }
    }

    /// <summary>True when <paramref name="name"/> in <paramref name="folder"/> is a file of <paramref name="size"/> bytes whose SHA-256 is <paramref name="sha256"/>.</summary>
    public static async Task<bool> HoldsAsync(MediaDirectory folder, string name, long size, string sha256, CancellationToken cancellationToken)
    {
        try
        {
            using var file = folder.OpenFile(name);
            if (file.Length != size) return false;
            await using var stream = file.OpenRead(1 << 20);
            var hash = await SHA256.HashDataAsync(stream, cancellationToken);
            return string.Equals(Convert.ToHexStringLower(hash), sha256, StringComparison.OrdinalIgnoreCase);
        }
        catch (MediaAccessException)
        {
            return false;
        }
    }

    /// <summary>Removes the scratch folder and upload file <paramref name="attemptId"/> left beside <paramref name="output"/>, if any.</summary>
    public void RemoveLeftovers(MediaRef output, string attemptId)
    {
        if (!TryOpenFolder(output, out var folder, out _)) return;
        using (folder)
        {
            foreach (var name in new[] { ScratchNames.Folder(attemptId), ScratchNames.Upload(attemptId) })
            {
                try
                {
                    // Links inside are removed, never followed; a name swapped for a link is removed as a link.
                    if (folder.DeleteTree(name)) Log.ScratchRemoved(logger, attemptId, $"{folder.Name}/{name}");
                }
                catch (MediaAccessException ex)
                {
                    Log.ScratchLeft(logger, attemptId, $"{folder.Name}/{name}", ex.Message);
                }
            }
        }
    }

    private bool TryOpenFolder(MediaRef media, out MediaDirectory folder, out string name)
    {
        folder = null!;
        name = "";
        if (media is not { Root.Length: > 0, Path.Length: > 0 } || roots.Roots.All(r => r.Name != media.Root)) return false;
        try
        {
            (folder, name) = roots.OpenFolder(media);
            return true;
        }
        catch (MediaAccessException)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Removed what attempt {AttemptId} left beside its output: {Path}")]
        public static partial void ScratchRemoved(ILogger logger, string attemptId, string path);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove what attempt {AttemptId} left beside its output ({Path}): {Error}")]
        public static partial void ScratchLeft(ILogger logger, string attemptId, string path, string error);
    }
}
