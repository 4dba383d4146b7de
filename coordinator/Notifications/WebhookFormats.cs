namespace RenderFarm.Coordinator.Notifications;

/// <summary>The bodies a webhook can carry.</summary>
public static class WebhookFormats
{
    public const string Json = "json";
    public const string Slack = "slack";
    public const string Discord = "discord";

    public static bool IsKnown(string format) => format is Json or Slack or Discord;
}
