namespace RenderFarm.Agent.Guest;

/// <summary>What the guest rules say at one check.</summary>
/// <param name="AwayReason">Why no new work is taken, in words; null when it may be.</param>
/// <param name="OwnerPresent">The owner has used keyboard or mouse within <see cref="GuestOptions.IdleMinutes"/>.</param>
/// <param name="OutsideHours">Outside every working period.</param>
/// <param name="Until">Outside hours: when the next period starts.</param>
/// <param name="Slots">The current period's slots; 0 = all.</param>
public sealed record GuestVerdict(string? AwayReason, bool OwnerPresent, bool OutsideHours, DateTimeOffset? Until, int Slots);
