using RenderFarm.Protos.Media.Beneath;

namespace RenderFarm.Agent.Media;

/// <summary>
/// A name for an open file that ffprobe (or ffmpeg) can be given: a link with the file's own extension (formats are
/// partly told by it), in a fresh temp folder of the agent's own, whose target is the open file's
/// <see cref="MediaFile.ProcessPath"/>. Nobody else can swap it, and it leads to the file that was opened, whatever
/// the file's own name leads to by then. Disposing removes the folder (the open file stays open).
/// </summary>
public sealed class ProbeLink : IDisposable
{
    private readonly string _folder;

    public ProbeLink(MediaFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        _folder = Directory.CreateTempSubdirectory("renderfarm-probe-").FullName;
        Path = System.IO.Path.Combine(_folder, "probe" + MediaProbe.SafeExtension(file.Name));
        File.CreateSymbolicLink(Path, file.ProcessPath);
    }

    /// <summary>The link's path: plain characters only, safe on a command line.</summary>
    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder: the system clears it.
        }
    }
}
