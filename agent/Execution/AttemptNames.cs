using RenderFarm.Protos.Media;

namespace RenderFarm.Agent.Execution;

/// <summary>File names made from attempt ids, which come from the coordinator and are trusted no more than paths.</summary>
public static class AttemptNames
{
    /// <summary>The attempt id when it is plain, else a hash of it, so a name made from it is always safe (<see cref="ScratchNames.Safe"/>).</summary>
    public static string Safe(string attemptId) => ScratchNames.Safe(attemptId);
}
