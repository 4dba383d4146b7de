using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Support;

/// <summary>What one WatchFarm call streams; then the stream ends, or stays open until the client leaves.</summary>
public sealed record FarmStream(IReadOnlyList<FarmEvent> Events, bool HoldOpen = true);
