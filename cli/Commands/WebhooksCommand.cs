using System.CommandLine;
using System.Globalization;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl webhooks deliveries [--job JOB] [--limit N]`: what the farm sent when jobs ended, and what came back.</summary>
internal static class WebhooksCommand
{
    public static Command Create(CommandRunner runner)
    {
        var webhooks = new Command("webhooks", "Webhook notifications sent when jobs end (see docs/notifications.md).");
        webhooks.Subcommands.Add(Deliveries(runner));
        return webhooks;
    }

    private static Command Deliveries(CommandRunner runner)
    {
        var job = new Option<string?>("--job") { Description = "Only this job's deliveries.", HelpName = "JOB" };
        var limit = new Option<uint>("--limit") { Description = "At most this many, newest first (default 50, at most 500).", HelpName = "N" };
        var command = new Command("deliveries", "Webhook deliveries, newest first: where each went, its state and every try's answer.") { job, limit };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var request = new ListWebhookDeliveriesRequest { JobId = context.Get(job) ?? "", PageSize = context.Get(limit) };
            var response = await context.Notifications.ListWebhookDeliveriesAsync(request, cancellationToken: cancellationToken);
            if (context.Json)
            {
                context.JsonOut.Write(response);
                return ExitCodes.Success;
            }

            if (response.Deliveries.Count == 0)
            {
                context.Console.WriteLine("no webhook deliveries");
                return ExitCodes.Success;
            }

            var table = Tables.Create("DELIVERY", "JOB", "EVENT", "URL", "STATE", "TRIES", "ANSWERS");
            table.Columns[3].NoWrap = false;
            table.Columns[6].NoWrap = false;
            foreach (var d in response.Deliveries)
            {
                table.AddRow(
                    Markup.Escape(d.Id),
                    Markup.Escape(d.JobId),
                    Markup.Escape(d.Event),
                    Markup.Escape(d.Url),
                    State(d, context.Environment.Time),
                    d.Attempts.Count.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(Answers(d)));
            }

            context.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static string State(WebhookDelivery d, TimeProvider time) => d.State switch
    {
        WebhookDeliveryState.Delivered => "[green]delivered[/]",
        WebhookDeliveryState.Failed => "[red]failed[/]",
        _ => d.NextAttemptTime is { } next ? $"pending, next {Markup.Escape(Clock.At(next, time.GetUtcNow(), time.LocalTimeZone))}" : "pending",
    };

    /// <summary>"500 500 200", or the error of a try that got no answer.</summary>
    private static string Answers(WebhookDelivery d) =>
        string.Join(" ", d.Attempts.Select(a => a.Status > 0 ? a.Status.ToString(CultureInfo.InvariantCulture) : $"({a.Error})"));
}
