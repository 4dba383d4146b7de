using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Execution;

/// <summary>
/// One render for <see cref="RenderPipeline"/>. With <see cref="Files"/> (shared storage: opened beneath the media
/// roots) the paths only name the files in messages and give the output its extension; without, they are the agent's
/// own paths (transfer mode, tests) and the pipeline opens them once itself.
/// </summary>
/// <param name="AttemptId">The attempt (fencing token); names the scratch folder.</param>
/// <param name="InputPath">The source file.</param>
/// <param name="OutputPath">Where the verified output is published.</param>
/// <param name="LutPath">A <c>.cube</c> file to grade with, or null.</param>
/// <param name="Settings">Output settings.</param>
/// <param name="Grade">The grade, or null.</param>
/// <param name="Overwrite">Whether an existing output may be replaced.</param>
/// <param name="Deliver">
/// When set, replaces the rename: given the verified output in the scratch folder and its description, it hands the
/// file over (an upload to the coordinator, which publishes it) and returns where it was published.
/// </param>
/// <param name="EndedAttempts">Earlier attempts of the task whose leftover scratch folders are removed first.</param>
/// <param name="Chunk">For a CHUNK task: the part of the video to encode (no audio); null otherwise.</param>
/// <param name="AudioOnly">For an AUDIO task: encode only the source's audio.</param>
/// <param name="FinalOutputPath">For CHUNK and AUDIO tasks: the job's output, whose extension decides the audio format.</param>
/// <param name="ConfirmPublish">
/// Asked right before the rename with the verified output (recorded with the grant); returns null to go ahead, or why
/// not. Null: publish unasked.
/// </param>
/// <param name="FromPiece">
/// For a CHUNK task: the input is a piece of the source cut for this chunk (<see cref="ChunkPiece"/>), with the source's
/// timestamps; it is decoded from its start and the command is built as for the whole source.
/// </param>
/// <param name="Published">The output an earlier attempt of the task was granted to publish: adopted when it is whole at the path (<see cref="Adoption"/>).</param>
/// <param name="Files">The input, LUT and output folder, already open; the caller disposes them. Null: opened from the paths.</param>
/// <param name="Phases">Where the pipeline records its steps (task timeline); null: not recorded.</param>
/// <param name="KnownSource">
/// Stamped facts of an earlier probe of this input (for a chunk: its <see cref="ChunkRange.Source"/> is used instead):
/// rendered from without probing when the open input has exactly their identity (<see cref="Media.ProbeReuse"/>).
/// </param>
/// <param name="InputSha256">In transfer mode: the SHA-256 of the input's content, its identity for probe reuse; null on shared storage.</param>
/// <param name="Probed">Called with the stamped facts when the pipeline probed the whole input and may keep them.</param>
/// <param name="Rendered">
/// Called once when ffmpeg has ended with success, before the output is verified and published: the agent gives the
/// task's slot back then, so the next task's preparation overlaps this one's checks. Null: nothing is called.
/// </param>
public sealed record RenderRequest(
    string AttemptId,
    string InputPath,
    string OutputPath,
    string? LutPath,
    OutputSettings Settings,
    Grade? Grade,
    bool Overwrite,
    Func<OutputInfo, CancellationToken, Task<string?>>? ConfirmPublish = null,
    IReadOnlyList<string>? EndedAttempts = null,
    Func<string, OutputInfo, CancellationToken, Task<string>>? Deliver = null,
    ChunkRange? Chunk = null,
    bool AudioOnly = false,
    string? FinalOutputPath = null,
    bool FromPiece = false,
    PublishedOutput? Published = null,
    RenderFiles? Files = null,
    PhaseClock? Phases = null,
    SourceFacts? KnownSource = null,
    string? InputSha256 = null,
    Action<SourceFacts>? Probed = null,
    Action? Rendered = null);
