using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Chunking;

/// <summary>Where a chunked job keeps its chunks and audio: a hidden folder beside its output, inside the same media root.</summary>
public static class WorkFolders
{
    public const string Prefix = ".renderfarm-job-";

    public static MediaRef For(string jobId, MediaRef output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var slash = output.Path.LastIndexOf('/');
        var folder = slash < 0 ? "" : output.Path[..(slash + 1)];
        return new MediaRef { Root = output.Root, Path = folder + Prefix + jobId };
    }

    public static MediaRef File(MediaRef folder, string name) => new() { Root = folder.Root, Path = folder.Path + "/" + name };
}
