namespace RenderFarm.Coordinator.Watching;

/// <summary>A note that something changed, queued for <see cref="FarmEventPump"/>: which job or which agent.</summary>
internal readonly record struct FarmChange(FarmChange.Subject Kind, string Id)
{
    public enum Subject
    {
        Job,
        Agent,
    }
}
