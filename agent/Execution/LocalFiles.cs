using RenderFarm.Protos.Media.Beneath;

namespace RenderFarm.Agent.Execution;

/// <summary>
/// Opens files and folders the agent names itself (its transfer work folder and cache, a test's temp folder), not a
/// coordinator's media reference: links along such a path are the operator's and are followed. What is opened is
/// still checked as media is (a regular file, never a FIFO or device), and then used as an open handle.
/// </summary>
internal static class LocalFiles
{
    /// <exception cref="MediaAccessException">It does not exist, or is not a regular file.</exception>
    public static MediaFile OpenFile(string path)
    {
        var full = Path.GetFullPath(path);
        var info = new FileInfo(full);
        var target = info.LinkTarget is null ? full : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        var folder = Path.GetDirectoryName(target) ?? "/";
        using var root = MediaDirectory.OpenRoot(folder);
        return root.OpenFile(Path.GetFileName(target));
    }

    /// <summary>Opens a folder, made first when missing.</summary>
    public static MediaDirectory OpenFolder(string path)
    {
        Directory.CreateDirectory(path);
        return MediaDirectory.OpenRoot(Path.GetFullPath(path));
    }
}
