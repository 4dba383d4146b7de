using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using RenderFarm.Cli.Commands;
using RenderFarm.Cli.Commands.Submit;

namespace RenderFarm.Cli.App;

/// <summary>The farmctl command tree and its entry point; tests call <see cref="RunAsync"/> in-process.</summary>
public static class FarmctlApp
{
    public static async Task<int> RunAsync(string[] args, FarmctlEnvironment environment, CancellationToken cancellationToken = default)
    {
        var root = CreateRootCommand(environment);
        var parseResult = root.Parse(args);
        if (parseResult.Action is ParseErrorAction parseError)
        {
            // Errors and typo suggestions go to stderr, without the full help: stdout stays clean for `--json` and pipes.
            parseError.ShowHelp = false;
        }

        var invocation = new InvocationConfiguration
        {
            Output = parseResult.Errors.Count == 0 ? environment.Out : environment.Error,
            Error = environment.Error,
        };
        var exitCode = await parseResult.InvokeAsync(invocation, cancellationToken);
        if (parseResult.Errors.Count == 0)
        {
            return exitCode;
        }

        await environment.Error.WriteLineAsync($"Run '{CommandPath(parseResult)} --help' for usage.");
        return ExitCodes.Usage;
    }

    private static string CommandPath(ParseResult parseResult)
    {
        var names = new List<string>();
        for (var result = parseResult.CommandResult; result.Parent is CommandResult parent; result = parent)
        {
            names.Insert(0, result.Command.Name);
        }

        return string.Join(' ', ["farmctl", .. names]);
    }

    internal static RootCommand CreateRootCommand(FarmctlEnvironment environment)
    {
        var globals = new GlobalOptions();
        var runner = new CommandRunner(environment, globals);
        var root = new RootCommand("farmctl: submit, watch and manage render jobs on a RenderFarm coordinator.\n\n" + ExitCodes.HelpText);
        globals.AddTo(root);

        root.Subcommands.Add(SubmitCommand.Create(runner));
        root.Subcommands.Add(JobsCommand.Create(runner));
        root.Subcommands.Add(JobCommand.Create(runner));
        root.Subcommands.Add(WatchCommand.Create(runner));
        root.Subcommands.Add(CancelCommand.Create(runner));
        root.Subcommands.Add(RetryCommand.Create(runner));
        root.Subcommands.Add(LogsCommand.Create(runner));
        root.Subcommands.Add(ThumbnailCommand.Create(runner));
        root.Subcommands.Add(AgentsCommand.Create(runner));
        root.Subcommands.Add(AttemptsCommand.Create(runner));
        root.Subcommands.Add(StatsCommand.Create(runner));
        root.Subcommands.Add(ThroughputCommand.Create(runner));
        root.Subcommands.Add(TopCommand.Create(runner));
        root.Subcommands.Add(KeysCommand.Create(runner));
        root.Subcommands.Add(Commands.Recipes.RecipesCommand.Create(runner));
        root.Subcommands.Add(Commands.Batches.BatchCommand.Create(runner));
        root.Subcommands.Add(Commands.Batches.BatchCommand.CreateList(runner));
        root.Subcommands.Add(Commands.WatchFolders.WatchFoldersCommand.Create(runner));
        root.Subcommands.Add(WebhooksCommand.Create(runner));
        return root;
    }
}
