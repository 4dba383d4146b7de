namespace RenderFarm.Cli.Top;

/// <summary>What <see cref="FarmModel.Apply"/> did with an event.</summary>
internal enum FarmUpdate
{
    /// <summary>The model changed.</summary>
    Applied,

    /// <summary>Already seen (its sequence is not past the model's); nothing changed.</summary>
    Ignored,

    /// <summary>
    /// Events were missed (a sequence gap, or changes before any snapshot): the model is stale until a new
    /// snapshot, so the caller should join WatchFarm again.
    /// </summary>
    NeedsSnapshot,
}
