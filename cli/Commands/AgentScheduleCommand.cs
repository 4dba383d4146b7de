using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl agents schedule AGENT "HOURS" [--time-zone ZONE]` and `farmctl agents schedule AGENT --clear`.</summary>
internal static class AgentScheduleCommand
{
    public static Command Create(CommandRunner runner)
    {
        var agent = new Argument<string>("AGENT") { Description = "The agent's name or id, as `farmctl agents` shows it." };
        var hours = new Argument<string?>("HOURS")
        {
            Description = "When it may work, as in its Agent:Guest:Hours: \"Mon-Fri 19:00-08:00 slots=2, Sat-Sun all day\" " +
                "(DAYS HH:MM-HH:MM [slots=N] or DAYS all day, separated by , or ;).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var zone = new Option<string?>("--time-zone")
        {
            Description = "The zone of HOURS (an IANA id such as Europe/Paris); default the agent's own.",
            HelpName = "ZONE",
        };
        var clear = new Option<bool>("--clear") { Description = "Remove the operator's schedule: the agent goes back to the hours of its own configuration." };
        var command = new Command(
            "schedule",
            "Set the hours an agent may work, overriding its own configuration (kept by the coordinator across restarts). " +
            "At the end of a period its running work finishes (or yields, by its AtEndOfHours) and nothing new starts.")
        {
            agent, hours, zone, clear,
        };
        command.Validators.Add(result =>
        {
            var text = result.GetValue(hours);
            if (result.GetValue(clear) && (text is not null || result.GetValue(zone) is not null))
            {
                result.AddError("give either HOURS (and --time-zone) or --clear, not both");
            }
            else if (!result.GetValue(clear) && string.IsNullOrWhiteSpace(text))
            {
                result.AddError("give the HOURS, e.g. \"Mon-Fri 19:00-08:00 slots=2, Sat-Sun all day\", or --clear to give the agent back its own hours");
            }
        });
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var id = await AgentLookup.ResolveIdAsync(context, context.Get(agent), cancellationToken);
            var request = new SetAgentScheduleRequest { AgentId = id, Clear = context.Get(clear) };
            if (!request.Clear) request.Schedule = new OperatorSchedule { Hours = context.Get(hours) ?? "", TimeZone = context.Get(zone) ?? "" };
            var changed = (await context.Farm.SetAgentScheduleAsync(request, cancellationToken: cancellationToken)).Agent;
            if (context.Json)
            {
                context.JsonOut.Write(changed);
                return ExitCodes.Success;
            }

            var label = changed.Name.Length > 0 ? $"{changed.Name} ({changed.Id})" : changed.Id;
            var what = request.Clear ? $"agent {label} follows its own hours again" : $"agent {label} follows the operator's schedule {AgentTable.Schedule(changed)}";
            context.Console.MarkupLine($"{Markup.Escape(what)}: {Markup.Escape(AgentTable.State(changed))}");
            return ExitCodes.Success;
        });
        return command;
    }
}
