namespace RenderFarm.Fault.Tests.Support;

/// <summary>A gated ffmpeg launcher (see <see cref="FfmpegStandIn.WriteGated"/>): its PATH folder and its gate.</summary>
public sealed class GatedFfmpeg(string folder)
{
    /// <summary>Put first on the agent's PATH.</summary>
    public string Folder { get; } = folder;

    internal string RenderedMarker => Path.Combine(Folder, "rendered");

    internal string ReleaseMarker => Path.Combine(Folder, "release");

    /// <summary>True once a render's real ffmpeg has finished (its exit is held until <see cref="Release"/>).</summary>
    public bool HasRendered => File.Exists(RenderedMarker);

    /// <summary>Lets held and future renders exit.</summary>
    public void Release() => File.WriteAllText(ReleaseMarker, "");
}
