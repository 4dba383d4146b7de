using RenderFarm.Agent.Execution;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Chunking;

/// <summary>
/// One STITCH task for <see cref="StitchPipeline"/>. With <see cref="Files"/> (shared storage: opened beneath the media
/// roots) the paths only name the files in messages and give the output its extension; without, they are the agent's
/// own paths (transfer mode, tests) and the pipeline opens them once itself.
/// </summary>
/// <param name="AttemptId">The attempt (fencing token); names the scratch folder.</param>
/// <param name="SourcePath">The job's input: probed for what the joined file must look like.</param>
/// <param name="OutputPath">Where the verified file is published.</param>
/// <param name="Chunks">The chunk files in order.</param>
/// <param name="ChunkDurations">Each chunk's exact duration in seconds (0 = to its end).</param>
/// <param name="AudioPath">The audio file, or null for none.</param>
/// <param name="ExpectedFrames">Frames the joined video must have (the chunks' verified counts, summed).</param>
/// <param name="WorkFolder">The job's work folder, removed once the output is published; null to keep it.</param>
/// <param name="Settings">The job's output settings.</param>
/// <param name="Grade">The job's grade, or null.</param>
/// <param name="HasLut">Whether the job grades with a LUT (it decides the colour of the output).</param>
/// <param name="Overwrite">Whether an existing output may be replaced.</param>
/// <param name="ConfirmPublish">
/// Asked right before the rename with the verified output (recorded with the grant); returns null to go ahead, or why
/// not. Null: publish unasked.
/// </param>
/// <param name="SourceEnd">The source's last frame time and the step before it, as the probe found them; null to read them from the source.</param>
/// <param name="ChunkOutputs">
/// Each chunk's verified output with its <see cref="ChunkProof"/>, in order: the stitch proves the joined file holds
/// exactly those chunks instead of decoding it. Null or incomplete: the joined file is decoded in full.
/// </param>
/// <param name="Source">
/// The source's streams as the probe found them, stamped with the probed file's identity; null (or another file) to
/// probe the source (<see cref="Media.ProbeReuse"/>).
/// </param>
/// <param name="SourceSha256">In transfer mode: the SHA-256 of the source's content, its identity for probe reuse.</param>
/// <param name="Files">The source, chunks, audio and folders, already open; the caller disposes them. Null: opened from the paths.</param>
/// <param name="Deliver">
/// When set, replaces the rename (transfer mode): given the verified joined file and its description, it uploads it to
/// the coordinator, which publishes it, and returns where.
/// </param>
/// <param name="Published">The output an earlier attempt of the task was granted to publish: adopted when it is whole at the path (<see cref="Adoption"/>).</param>
public sealed record StitchRequest(
    string AttemptId,
    string SourcePath,
    string OutputPath,
    IReadOnlyList<string> Chunks,
    IReadOnlyList<double> ChunkDurations,
    string? AudioPath,
    long ExpectedFrames,
    string? WorkFolder,
    OutputSettings Settings,
    Grade? Grade,
    bool HasLut,
    bool Overwrite,
    Func<OutputInfo, CancellationToken, Task<string?>>? ConfirmPublish = null,
    (double LastFrame, double LastStep)? SourceEnd = null,
    Func<string, OutputInfo, CancellationToken, Task<string>>? Deliver = null,
    IReadOnlyList<OutputInfo>? ChunkOutputs = null,
    SourceFacts? Source = null,
    PublishedOutput? Published = null,
    StitchFiles? Files = null,
    string? SourceSha256 = null)
{
    /// <summary>Whether every chunk comes with its proof, so the join is proven by packets rather than decoded.</summary>
    public bool Proven => JoinProof.Usable(Chunks, ChunkOutputs);
}
