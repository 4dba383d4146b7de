using RenderFarm.Protos.V1;

namespace RenderFarm.Protos.Presets;

/// <summary>The fixed facts of one output preset, shared by the coordinator (validation, matching) and agents (commands).</summary>
/// <param name="Preset">The preset these facts describe.</param>
/// <param name="Name">The name people type (farmctl) and read, e.g. <c>prores-hq</c>.</param>
/// <param name="VideoEncoder">The ffmpeg encoder an agent must have, e.g. <c>libx264</c>.</param>
/// <param name="Extensions">Output file extensions that suit the preset's container, first is preferred.</param>
/// <param name="DefaultAudio">Audio codec when the job does not name one.</param>
/// <param name="UsesCrf">Whether the preset takes a CRF quality target.</param>
/// <param name="DefaultCrf">CRF when the job gives none (0 for presets without CRF).</param>
/// <param name="MaxCrf">Largest CRF the encoder accepts.</param>
/// <param name="BitDepths">Bit depths the preset can write; the first is the default.</param>
/// <param name="BoxWidth">Default bounding box width (0 = source size).</param>
/// <param name="BoxHeight">Default bounding box height (0 = source size).</param>
/// <param name="DefaultConstantRate">Whether the preset makes constant frame rate unless told to keep timing.</param>
public sealed record PresetInfo(
    Preset Preset,
    string Name,
    string VideoEncoder,
    IReadOnlyList<string> Extensions,
    AudioCodec DefaultAudio,
    bool UsesCrf,
    uint DefaultCrf,
    uint MaxCrf,
    IReadOnlyList<uint> BitDepths,
    uint BoxWidth,
    uint BoxHeight,
    bool DefaultConstantRate)
{
    public uint DefaultBitDepth => BitDepths[0];

    public bool Supports(uint bitDepth) => BitDepths.Contains(bitDepth);

    /// <summary>The container a chunk of a split-and-stitch job is written in: MP4 where the preset allows it, else MOV.</summary>
    public string ChunkExtension => Extensions.Contains(".mp4") ? ".mp4" : ".mov";
}
