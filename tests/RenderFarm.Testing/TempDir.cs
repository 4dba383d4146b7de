namespace RenderFarm.Testing;

/// <summary>A fresh folder under the system temp path, deleted (with its contents) on dispose.</summary>
public sealed class TempDir : IDisposable
{
    /// <summary>Creates the folder, named <c>renderfarm-{prefix}-random</c>.</summary>
    public TempDir(string prefix = "test")
    {
        Path = Directory.CreateTempSubdirectory($"renderfarm-{prefix}-").FullName;
    }

    /// <summary>The folder's absolute path.</summary>
    public string Path { get; }

    /// <summary>The absolute path of <paramref name="relative"/> inside the folder (not created).</summary>
    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    /// <summary>Deletes the folder and everything in it; errors are ignored.</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
