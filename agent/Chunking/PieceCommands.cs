using RenderFarm.Agent.Media;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Chunking;

/// <summary>
/// The command for a chunk rendered from a piece of the source (<see cref="ChunkPiece"/>) rather than the whole file.
/// The piece holds the source's video from the chunk's seek keyframe on, in the source's container, with the source's
/// own timestamps and time base; so the command is the whole-source chunk command with two differences: the input is
/// read from its start with its timestamps as they are (<c>-copyts</c>, no seek, no shift to zero: the seek
/// keyframe is the piece's first frame), and the frame rate the output is made constant at comes from the plan
/// (the piece's own average rate covers only its part of a variable-rate source). The frames decoded, their times and
/// so the encoded chunk are the same as from the whole source.
/// </summary>
public static class PieceCommands
{
    public static RenderCommand ForChunk(
        OutputSettings settings, Grade? grade, bool hasLut, SourceInfo piece, string extension, string inputFileName, ChunkRange chunk, PresetInfo preset)
    {
        ArgumentNullException.ThrowIfNull(piece);
        ArgumentNullException.ThrowIfNull(chunk);
        var source = chunk.FrameRate.Length > 0 ? piece with { AverageFrameRate = chunk.FrameRate, RealFrameRate = chunk.FrameRate } : piece;
        var whole = RenderCommandBuilder.Build(settings, grade, hasLut, source, extension, inputFileName);
        return ChunkCommands.ForChunk(whole, chunk, preset) with { InputArguments = ["-copyts"] };
    }
}
