using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Commands.Submit;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Commands.Batches;

/// <summary>
/// `farmctl submit --recipe NAME FILE...` (or `--folder DIR --glob '*.MOV'`): one call submits every file as one batch;
/// the coordinator checks them all and inserts their jobs in one transaction.
/// </summary>
internal static class BatchSubmit
{
    public static void AddTo(Command submit, CommandRunner runner)
    {
        var files = new Argument<string[]>("FILE") { Description = "Input files, with --recipe (relative paths are made absolute).", Arity = ArgumentArity.ZeroOrMore };
        var recipe = new Option<string?>("--recipe") { Description = "Submit FILE... (or --folder) as one batch with this recipe.", HelpName = "NAME" };
        var folder = new Option<string?>("--folder") { Description = "With --recipe: take the files of this folder inside a media root.", HelpName = "DIR" };
        var glob = new Option<string?>("--glob") { Description = "With --folder: only names matching this, e.g. '*.MOV' (quote it).", HelpName = "PATTERN" };
        var recursive = new Option<bool>("--recursive") { Description = "With --folder: look in subfolders too ({dir} mirrors them)." };
        var name = new Option<string?>("--batch-name") { Description = "A label for the batch.", HelpName = "TEXT" };
        var notify = new Option<string[]>("--notify")
        {
            Description = "With --recipe: a URL the coordinator POSTs one batch.ended to when every job of the batch has ended; repeat for several. See docs/notifications.md.",
            HelpName = "URL",
        };
        var wait = new Option<bool>("--wait") { Description = "Follow the batch until every job ends; exit 0 if all succeeded, 1 if any failed, 2 if canceled." };
        submit.Arguments.Add(files);
        foreach (var option in new Option[] { recipe, folder, glob, recursive, name, notify, wait }) submit.Options.Add(option);
        submit.Validators.Add(result =>
        {
            var hasFiles = result.GetValue(files) is { Length: > 0 };
            var hasFolder = result.GetValue(folder) is not null;
            if (result.GetValue(recipe) is null)
            {
                if (hasFiles || hasFolder) result.AddError("FILE and --folder need --recipe NAME (or use `submit transcode` / `submit grade` for one job).");
                else result.AddError("Say what to submit: --recipe NAME FILE..., or `submit transcode` / `submit grade`.");
                return;
            }

            if (hasFiles == hasFolder) result.AddError("With --recipe give either FILE... or --folder DIR.");
            if (!hasFolder && (result.GetValue(glob) is not null || result.GetValue(recursive))) result.AddError("--glob and --recursive need --folder.");
        });
        runner.Bind(submit, async (context, cancellationToken) =>
        {
            var cwd = context.Environment.CurrentDirectory;
            var request = new SubmitBatchRequest
            {
                Recipe = context.Get(recipe)!,
                Folder = context.Get(folder) is { } dir ? JobSpecOptions.Absolute(dir, cwd) : "",
                Glob = context.Get(glob) ?? "",
                Recursive = context.Get(recursive),
                Name = context.Get(name) ?? "",
            };
            request.Inputs.AddRange((context.Get(files) ?? []).Select(f => JobSpecOptions.Absolute(f, cwd)));
            request.NotifyUrls.AddRange(context.Get(notify) ?? []);
            var batch = (await context.Batches.SubmitBatchAsync(request, cancellationToken: cancellationToken)).Batch;
            if (context.Get(wait))
            {
                if (!context.Json) context.Console.WriteLine($"submitted batch {batch.Id}: {BatchText.Counts(batch.Counts)}");
                return await Watching.BatchWatcher.WatchAsync(context, batch.Id, cancellationToken);
            }

            if (context.Json)
            {
                context.JsonOut.Write(batch);
                return ExitCodes.Success;
            }

            context.Console.WriteLine($"submitted batch {batch.Id} with recipe {batch.RecipeName} version {batch.RecipeVersion}: {BatchText.Counts(batch.Counts)}");
            context.Console.WriteLine($"follow it with: farmctl watch {batch.Id}");
            return ExitCodes.Success;
        });
    }
}
