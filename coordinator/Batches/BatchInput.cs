using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Batches;

/// <summary>
/// One input of a batch: its path as shown to people, where it lies, its folder below the batch's folder ({dir}), and
/// how a refusal names it ("inputs[3] '/media/a.mov'").
/// </summary>
public sealed record BatchInput(string Path, MediaRef Media, string Dir, string Label);
