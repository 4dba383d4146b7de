using RenderFarm.Protos.Media.Beneath;

namespace RenderFarm.Agent.Execution;

/// <summary>
/// The files of one render, open: the input and the LUT opened once, and the folder the output is published into. What
/// is checked, probed, graded and rendered is these open files, whatever their names lead to by then; the output is
/// renamed into <see cref="OutputFolder"/> by name, never through a path looked up again.
/// </summary>
public sealed class RenderFiles : IDisposable
{
    public RenderFiles(MediaFile input, MediaFile? lut, MediaDirectory outputFolder, string outputName)
    {
        Input = input;
        Lut = lut;
        OutputFolder = outputFolder;
        OutputName = outputName;
    }

    public MediaFile Input { get; }

    public MediaFile? Lut { get; }

    /// <summary>The open folder the output is published into; the scratch folder is made in it.</summary>
    public MediaDirectory OutputFolder { get; }

    /// <summary>The output's name in <see cref="OutputFolder"/>.</summary>
    public string OutputName { get; }

    /// <summary>Opens the files of a request that names them by the agent's own paths (transfer mode, tests).</summary>
    /// <exception cref="RenderFailedException">The input or LUT does not exist or is not a regular file (BAD_INPUT).</exception>
    public static RenderFiles OpenLocal(RenderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var input = Open(request.InputPath, "input");
        MediaFile? lut = null;
        try
        {
            lut = request.LutPath is null ? null : Open(request.LutPath, "LUT");
            var output = Path.GetFullPath(request.OutputPath);
            return new RenderFiles(input, lut, LocalFiles.OpenFolder(Path.GetDirectoryName(output)!), Path.GetFileName(output));
        }
        catch
        {
            input.Dispose();
            lut?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Input.Dispose();
        Lut?.Dispose();
        OutputFolder.Dispose();
    }

    private static MediaFile Open(string path, string what)
    {
        try
        {
            return LocalFiles.OpenFile(path);
        }
        catch (MediaAccessException ex)
        {
            throw new RenderFailedException(Protos.V1.FailureClass.BadInput,
                ex.NotFound ? $"{what} {Path.GetFileName(path)} does not exist" : $"{what} {Path.GetFileName(path)}: {ex.Message}", inner: ex);
        }
    }
}
