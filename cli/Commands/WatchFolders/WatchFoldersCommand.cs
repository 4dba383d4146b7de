using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Commands.Submit;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Commands.WatchFolders;

/// <summary>`farmctl watchfolders add|list|pause|resume|remove` (operators change them; viewers list them).</summary>
internal static class WatchFoldersCommand
{
    public static Command Create(CommandRunner runner)
    {
        var command = new Command("watchfolders", "Folders inside a media root bound to a recipe: a file copied in becomes one job once it stops growing.");
        command.Subcommands.Add(Add(runner));
        command.Subcommands.Add(List(runner));
        command.Subcommands.Add(Pause(runner, true));
        command.Subcommands.Add(Pause(runner, false));
        command.Subcommands.Add(Remove(runner));
        return command;
    }

    private static Command Add(CommandRunner runner)
    {
        var path = new Argument<string>("FOLDER") { Description = "A folder inside a media root (relative paths are made absolute)." };
        var recipe = new Option<string>("--recipe") { Description = "The recipe each file is rendered with.", HelpName = "NAME", Required = true };
        var settle = new Option<string?>("--settle") { Description = "How long a file must stay unchanged before it is taken, e.g. 10s (default: the coordinator's, 10 s).", HelpName = "DURATION" };
        var retake = new Option<bool>("--retake-changed") { Description = "Take a file again when it changes after it was taken (new size or modification time)." };
        var notify = new Option<string[]>("--notify")
        {
            Description = "A URL the coordinator POSTs to when each job made from this folder ends; repeat for several. See docs/notifications.md.",
            HelpName = "URL",
        };
        var command = new Command("add", "Watch a folder: each file that appears (subfolders too) becomes one job with the recipe once it has settled.") { path, recipe, settle, retake, notify };
        settle.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !DurationText.TryParse(text, out _)) result.AddError($"--settle '{text}' is not a duration, e.g. {DurationText.Examples}.");
        });
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var request = new AddWatchFolderRequest
            {
                Path = JobSpecOptions.Absolute(context.Get(path), context.Environment.CurrentDirectory),
                Recipe = context.Get(recipe),
                RetakeChanged = context.Get(retake),
            };
            request.NotifyUrls.AddRange(context.Get(notify) ?? []);
            if (context.Get(settle) is { } text && DurationText.TryParse(text, out var span)) request.SettleTime = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(span);
            var folder = (await context.WatchFolders.AddWatchFolderAsync(request, cancellationToken: cancellationToken)).WatchFolder;
            if (context.Json) context.JsonOut.Write(folder);
            else context.Console.WriteLine($"watching {folder.Path} as {folder.Id} with recipe {folder.Recipe} (files settle for {Format.Span(folder.SettleTime.ToTimeSpan())})");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CommandRunner runner)
    {
        var command = new Command("list", "List watch folders with what they have seen: files settling, submitted, failed, succeeded.");
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var response = await context.WatchFolders.ListWatchFoldersAsync(new ListWatchFoldersRequest(), cancellationToken: cancellationToken);
            if (context.Json)
            {
                context.JsonOut.Write(response);
                return ExitCodes.Success;
            }

            var table = Tables.Create("ID", "FOLDER", "RECIPE", "STATE", "SEEN", "SETTLING", "SUBMITTED", "FAILED", "SUCCEEDED", "LAST SCAN", "LAST ERROR");
            foreach (var f in response.WatchFolders)
            {
                var c = f.Counts ?? new WatchFolderCounts();
                table.AddRow(Markup.Escape(f.Id), Markup.Escape(f.Path), Markup.Escape(f.Recipe), f.Paused ? "[yellow]paused[/]" : "watching",
                    $"{c.Seen}", $"{c.Settling}", $"{c.Submitted}", c.Failed > 0 ? $"[red]{c.Failed}[/]" : "0", $"{c.Succeeded}",
                    Format.Time(f.LastScanTime, context.Environment.Time), Format.Escape(f.LastError));
            }

            context.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Pause(CommandRunner runner, bool pause)
    {
        var id = new Argument<string>("ID") { Description = "The watch folder's id (wf-...), as `farmctl watchfolders list` shows it." };
        var command = new Command(pause ? "pause" : "resume", pause ? "Stop scanning a folder; files that appear meanwhile are taken when it resumes." : "Scan a paused folder again.") { id };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var folder = pause
                ? (await context.WatchFolders.PauseWatchFolderAsync(new PauseWatchFolderRequest { Id = context.Get(id) }, cancellationToken: cancellationToken)).WatchFolder
                : (await context.WatchFolders.ResumeWatchFolderAsync(new ResumeWatchFolderRequest { Id = context.Get(id) }, cancellationToken: cancellationToken)).WatchFolder;
            if (context.Json) context.JsonOut.Write(folder);
            else context.Console.WriteLine($"{(pause ? "paused" : "resumed")} {folder.Id} ({folder.Path})");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Remove(CommandRunner runner)
    {
        var id = new Argument<string>("ID") { Description = "The watch folder's id (wf-...)." };
        var command = new Command("remove", "Stop watching a folder and forget which files it took (their jobs stay).") { id };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var response = await context.WatchFolders.RemoveWatchFolderAsync(new RemoveWatchFolderRequest { Id = context.Get(id) }, cancellationToken: cancellationToken);
            if (context.Json) context.JsonOut.Write(response);
            else context.Console.WriteLine($"removed {context.Get(id)}");
            return ExitCodes.Success;
        });
        return command;
    }
}
