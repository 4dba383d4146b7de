using RenderFarm.Agent.Execution;
using RenderFarm.Protos.Media.Beneath;

namespace RenderFarm.Agent.Chunking;

/// <summary>
/// The files of one stitch, open: the source, each chunk and the audio opened once (what is proven, joined and
/// probed is these files, whatever their names lead to by then), the folder the joined file is published into, and
/// the folder holding the job's work folder, which is removed by name inside it.
/// </summary>
public sealed class StitchFiles : IDisposable
{
    public StitchFiles(
        MediaFile source, IReadOnlyList<MediaFile> chunks, MediaFile? audio, MediaDirectory outputFolder, string outputName,
        (MediaDirectory Folder, string Name)? workFolder)
    {
        Source = source;
        Chunks = chunks;
        Audio = audio;
        OutputFolder = outputFolder;
        OutputName = outputName;
        WorkFolder = workFolder;
    }

    public MediaFile Source { get; }

    public IReadOnlyList<MediaFile> Chunks { get; }

    public MediaFile? Audio { get; }

    /// <summary>The open folder the joined file is published into; the scratch folder is made in it.</summary>
    public MediaDirectory OutputFolder { get; }

    public string OutputName { get; }

    /// <summary>The open folder holding the job's work folder, and the work folder's name in it; null to keep it.</summary>
    public (MediaDirectory Folder, string Name)? WorkFolder { get; }

    /// <summary>Opens the files of a request that names them by the agent's own paths (transfer mode, tests).</summary>
    /// <exception cref="RenderFailedException">A chunk or the audio is missing (TRANSIENT), or the source (BAD_INPUT).</exception>
    public static StitchFiles OpenLocal(StitchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var opened = new List<IDisposable>();
        try
        {
            var source = Open(opened, request.SourcePath, Protos.V1.FailureClass.BadInput);
            var chunks = request.Chunks.Select(c => Open(opened, c, Protos.V1.FailureClass.Transient)).ToList();
            var audio = request.AudioPath is null ? null : Open(opened, request.AudioPath, Protos.V1.FailureClass.Transient);
            var output = Path.GetFullPath(request.OutputPath);
            var folder = LocalFiles.OpenFolder(Path.GetDirectoryName(output)!);
            opened.Add(folder);
            (MediaDirectory, string)? work = null;
            if (request.WorkFolder is { } path)
            {
                var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
                work = (LocalFiles.OpenFolder(Path.GetDirectoryName(full)!), Path.GetFileName(full));
            }

            return new StitchFiles(source, chunks, audio, folder, Path.GetFileName(output), work);
        }
        catch
        {
            foreach (var item in opened) item.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Source.Dispose();
        foreach (var chunk in Chunks) chunk.Dispose();
        Audio?.Dispose();
        OutputFolder.Dispose();
        WorkFolder?.Folder.Dispose();
    }

    private static MediaFile Open(List<IDisposable> opened, string path, Protos.V1.FailureClass missing)
    {
        try
        {
            var file = LocalFiles.OpenFile(path);
            opened.Add(file);
            return file;
        }
        catch (MediaAccessException ex)
        {
            var failureClass = ex.NotFound ? missing : Protos.V1.FailureClass.BadInput;
            var message = ex.NotFound && missing != Protos.V1.FailureClass.BadInput
                ? $"{Path.GetFileName(path)} is missing from the work folder"
                : $"{Path.GetFileName(path)}: {ex.Message}";
            throw new RenderFailedException(failureClass, message, inner: ex);
        }
    }
}
