namespace RenderFarm.Coordinator.Notifications;

/// <summary>Where one notification goes: the URL, the secret that signs it (empty: unsigned), its body's format and where the target came from.</summary>
public sealed record WebhookTarget(string Url, string Secret, string Format, string Source);
