using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Execution;

/// <summary>
/// The two file-system steps every publish on shared storage takes at the output's open folder, for renders and stitches
/// alike: what is already at the output's name, and the rename into place by name (<c>renameat2</c>), so a folder
/// swapped for a link meanwhile is never followed and an existing output (or a link at its name) is replaced only when
/// the job overwrites; the name is replaced, never what a link leads to.
/// </summary>
internal static class OutputPlace
{
    /// <summary>
    /// The identity (device and inode) of the regular file at <paramref name="name"/>, or null when there is none or
    /// the name is not a regular file beneath the folder (a link out, a FIFO, a folder): the rename replaces such a
    /// name itself, never what it leads to.
    /// </summary>
    public static FileIdentity? Existing(MediaDirectory folder, string name)
    {
        if (!folder.Contains(name)) return null;
        try
        {
            using var existing = folder.OpenFile(name);
            return existing.Identity;
        }
        catch (MediaAccessException)
        {
            return null;
        }
    }

    /// <summary>Renames <paramref name="renderedName"/> from the open scratch folder to <paramref name="name"/> in the open output folder.</summary>
    /// <param name="doing">What made the file, for the message ("rendering", "joining").</param>
    public static void Publish(MediaDirectory scratch, string renderedName, MediaDirectory folder, string name, bool overwrite, string doing)
    {
        try
        {
            scratch.Rename(renderedName, folder, name, replace: overwrite);
        }
        catch (MediaAccessException ex) when (ex.Exists)
        {
            throw new RenderFailedException(FailureClass.BadInput, $"output {name} appeared while {doing}; set overwrite to replace it", inner: ex);
        }
    }
}
