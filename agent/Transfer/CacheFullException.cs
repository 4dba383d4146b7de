namespace RenderFarm.Agent.Transfer;

/// <summary>A blob cannot be placed in the transfer cache: it is larger than the limit, or everything there is in use.</summary>
public sealed class CacheFullException(string message) : Exception(message);
