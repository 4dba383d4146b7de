using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Transfer;

/// <summary>
/// The files an attempt of a task may download, by kind: the input and LUT of a render, probe, chunk or audio task;
/// for a stitch also every chunk file and the audio file in the job's work folder (the source is still listed: the
/// stitch checks the joined file against it).
/// </summary>
public static class TaskFiles
{
    public static IEnumerable<MediaRef> Of(Assignment work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (work.Input is { Root.Length: > 0 }) yield return work.Input;
        if (work.Lut is { Root.Length: > 0 }) yield return work.Lut;
        if (work.Kind != TaskKind.Stitch || work.Stitch is null) yield break;
        foreach (var chunk in work.Stitch.Chunks) yield return chunk;
        if (work.Stitch.Audio is { Root.Length: > 0 }) yield return work.Stitch.Audio;
    }
}
