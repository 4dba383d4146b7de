using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl keys create NAME --role ROLE`, `farmctl keys list`, `farmctl keys revoke KEY` (operators).</summary>
internal static class KeysCommand
{
    public static Command Create(CommandRunner runner)
    {
        var command = new Command("keys", "Issue, list and revoke API keys (needs an operator key). Roles: viewer (read), editor (submit, cancel and retry own jobs), operator (everything).");
        command.Subcommands.Add(CreateKey(runner));
        command.Subcommands.Add(List(runner));
        command.Subcommands.Add(Revoke(runner));
        return command;
    }

    private static Command CreateKey(CommandRunner runner)
    {
        var name = new Argument<string>("NAME") { Description = "Who holds the key (a person or a machine); jobs record it as their owner." };
        var role = new Option<string>("--role") { Description = "viewer, editor or operator.", Required = true, HelpName = "ROLE" };
        role.AcceptOnlyFromAmong("viewer", "editor", "operator");
        var command = new Command("create", "Issue a key. It is printed once, alone on stdout; the coordinator keeps only its hash.") { name, role };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var request = new CreateApiKeyRequest { Name = context.Get(name), Role = Parse(context.Get(role)) };
            var response = await context.Access.CreateApiKeyAsync(request, cancellationToken: cancellationToken);
            if (context.Json)
            {
                context.JsonOut.Write(response);
            }
            else
            {
                await context.Error.WriteLineAsync($"issued {Role(response.Info.Role)} key {response.Info.Id} for '{response.Info.Name}'; it is shown once, below:");
                await context.Environment.Out.WriteLineAsync(response.Key);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CommandRunner runner)
    {
        var command = new Command("list", "List keys: id, holder, role, when issued and revoked (never the keys themselves).");
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var response = await context.Access.ListApiKeysAsync(new ListApiKeysRequest(), cancellationToken: cancellationToken);
            if (context.Json)
            {
                context.JsonOut.Write(response);
                return ExitCodes.Success;
            }

            var table = new Table().AddColumns("ID", "NAME", "ROLE", "CREATED", "REVOKED");
            foreach (var key in response.Keys)
            {
                table.AddRow(Markup.Escape(key.Id), Markup.Escape(key.Name), Role(key.Role),
                    key.CreateTime.ToDateTimeOffset().ToString("u"), key.RevokeTime?.ToDateTimeOffset().ToString("u") ?? "-");
            }

            context.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Revoke(CommandRunner runner)
    {
        var key = new Argument<string>("KEY") { Description = "The key's id (key-...) or its holder's name, as `farmctl keys list` shows it." };
        var command = new Command("revoke", "Revoke a key at once: every call with it is refused from now on.") { key };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var response = await context.Access.RevokeApiKeyAsync(new RevokeApiKeyRequest { Key = context.Get(key) }, cancellationToken: cancellationToken);
            if (context.Json) context.JsonOut.Write(response);
            else context.Console.WriteLine($"revoked {Role(response.Info.Role)} key {response.Info.Id} of '{response.Info.Name}'");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Role Parse(string role) => role switch
    {
        "viewer" => Protos.V1.Role.Viewer,
        "editor" => Protos.V1.Role.Editor,
        _ => Protos.V1.Role.Operator,
    };

    private static string Role(Role role) => role switch
    {
        Protos.V1.Role.Viewer => "viewer",
        Protos.V1.Role.Editor => "editor",
        Protos.V1.Role.Operator => "operator",
        _ => "?",
    };
}
