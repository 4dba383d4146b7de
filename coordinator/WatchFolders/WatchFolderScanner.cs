using RenderFarm.Coordinator.Batches;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Media;
using RenderFarm.Coordinator.Recipes;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.WatchFolders;

/// <summary>
/// Scans watch folders and turns files that have settled into jobs. A scan walks the folder through folders opened beneath
/// its media root (never a path looked up again), skips ignored names, zero-byte files and the recipe's own output folder,
/// and compares what it finds with what the folder remembers: a new file starts settling, a file that changed starts
/// again, a file unchanged for the settle time is taken. A file that disappears while settling is forgotten; one renamed
/// after it was taken (same identity, size and time) keeps its job. The jobs of one scan and the marks that they were taken
/// commit in one transaction. One scan at a time on this coordinator, one coordinator at a time per folder
/// (<see cref="WatchFolderStore.TryLockAsync"/>).
/// </summary>
public sealed partial class WatchFolderScanner(
    WatchFolderStore store,
    MediaRoots roots,
    RecipeBook recipes,
    RecipeJobs recipeJobs,
    JobValidator validator,
    JobCatalog jobs,
    TimeProvider time,
    ILogger<WatchFolderScanner> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    private sealed record Found(string RelPath, long Size, long Mtime, string Identity);

    /// <summary>Scans every folder that is not paused.</summary>
    public async Task ScanAllAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var folder in await store.ListAsync(cancellationToken))
            {
                if (folder.Paused) continue;
                var held = await store.TryLockAsync(folder.Id, cancellationToken);
                if (held is null) continue; // another coordinator is scanning it
                await using (held)
                {
                    await ScanAsync(folder, cancellationToken);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ScanAsync(WatchFolderRecord folder, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        Recipe recipe;
        try
        {
            recipe = await recipes.GetAsync(folder.RecipeName, 0, cancellationToken);
        }
        catch (NotFoundException ex)
        {
            await store.RecordScanAsync(folder.Id, now, ex.Message, cancellationToken);
            return;
        }

        List<Found> found;
        try
        {
            found = Walk(folder, recipe);
        }
        catch (MediaAccessException ex)
        {
            LogUnreadable(logger, folder.Id, ex.Message);
            await store.RecordScanAsync(folder.Id, now, $"the folder cannot be read: {ex.Message}", cancellationToken);
            return;
        }

        var known = (await store.FilesAsync(folder.Id, cancellationToken)).ToDictionary(f => f.RelPath, StringComparer.Ordinal);
        var present = found.Select(f => f.RelPath).ToHashSet(StringComparer.Ordinal);
        var gone = known.Values.Where(k => !present.Contains(k.RelPath)).ToList();
        var writes = new List<(string, (string, object?)[])>();
        var ready = new List<WatchedFile>();
        foreach (var file in found)
        {
            if (!known.TryGetValue(file.RelPath, out var row))
            {
                var renamed = gone.FirstOrDefault(g => g.State != WatchedFileState.Settling && g.Identity == file.Identity && g.Size == file.Size && g.Mtime == file.Mtime);
                if (renamed is not null)
                {
                    gone.Remove(renamed);
                    writes.Add(WatchFolderStore.Moved(folder.Id, renamed.RelPath, file.RelPath, now));
                }
                else
                {
                    writes.Add(WatchFolderStore.Seen(folder.Id, file.RelPath, file.Size, file.Mtime, file.Identity, now));
                }

                continue;
            }

            if (row.Size != file.Size || row.Mtime != file.Mtime)
            {
                // Still growing; or changed after it was taken, which is taken again only when the folder says so.
                if (row.State == WatchedFileState.Settling || folder.RetakeChanged)
                {
                    writes.Add(WatchFolderStore.Seen(folder.Id, file.RelPath, file.Size, file.Mtime, file.Identity, now));
                }

                continue;
            }

            if (row.State == WatchedFileState.Settling && now - row.StableSince >= folder.Settle) ready.Add(row);
        }

        foreach (var vanished in gone.Where(g => g.State == WatchedFileState.Settling))
        {
            writes.Add(WatchFolderStore.Gone(folder.Id, vanished.RelPath));
        }

        await store.ApplyAsync(writes, cancellationToken);
        var error = ready.Count > 0 ? await SubmitAsync(folder, recipe, ready, now, cancellationToken) : null;
        await store.RecordScanAsync(folder.Id, now, error ?? (folder.Error?.StartsWith("the folder", StringComparison.Ordinal) == true ? null : folder.Error), cancellationToken);
    }

    /// <summary>Turns settled files into jobs (one transaction); refuses those that cannot be rendered. Returns the last refusal.</summary>
    private async Task<string?> SubmitAsync(WatchFolderRecord folder, Recipe recipe, List<WatchedFile> ready, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var inputs = ready.Select(f =>
        {
            var media = new MediaRef { Root = folder.Root, Path = folder.Path.Length == 0 ? f.RelPath : folder.Path + "/" + f.RelPath };
            var slash = f.RelPath.LastIndexOf('/');
            var path = roots.DisplayPath(media);
            return new BatchInput(path, media, slash < 0 ? "" : f.RelPath[..slash], $"'{path}'");
        }).ToList();
        var sizes = OutputPattern.NeedsPictureSize(recipe.OutputPattern) ? await recipeJobs.PictureSizesAsync(inputs, cancellationToken) : null;

        var valid = new List<JobValidator.ValidatedJob>();
        var taken = new List<WatchedFile>();
        var refusals = new List<(string, (string, object?)[])>();
        var outputs = new HashSet<string>(StringComparer.Ordinal);
        string? lastError = null;
        for (var i = 0; i < ready.Count; i++)
        {
            string? problem = sizes?[i].Problem;
            if (problem is null)
            {
                var output = recipeJobs.OutputFor(recipe, inputs[i], "", now, sizes?[i]);
                if (!outputs.Add(output))
                {
                    problem = $"another file of this scan makes '{output}'; add {{dir}} or {{ext}} to recipe {recipe.Name}'s output_pattern";
                }
                else
                {
                    try
                    {
                        valid.Add(validator.Validate(RecipeJobs.SpecFor(recipe, inputs[i], output, "", folder.Owner)));
                        taken.Add(ready[i]);
                    }
                    catch (JobValidationException ex)
                    {
                        problem = ex.Message;
                    }
                }
            }

            if (problem is null) continue;
            lastError = $"{inputs[i].Path}: {problem}";
            LogRefused(logger, folder.Id, inputs[i].Path, problem);
            refusals.Add(WatchFolderStore.Refused(folder.Id, ready[i], problem, now));
        }

        await store.ApplyAsync(refusals, cancellationToken);
        if (valid.Count == 0) return lastError;
        try
        {
            await jobs.SubmitManyAsync(valid, async (tx, records) =>
            {
                for (var i = 0; i < records.Count; i++) await WatchFolderStore.MarkSubmittedAsync(tx, folder.Id, taken[i], records[i].Id, now);
            }, cancellationToken);
            LogSubmitted(logger, folder.Id, valid.Count);
        }
        catch (InvalidOperationException ex)
        {
            // A file changed, or was taken by another scan, between this scan's read and its commit: nothing was
            // submitted; the next scan sees the files as they are.
            LogRaced(logger, folder.Id, ex.Message);
        }

        return lastError;
    }

    /// <summary>The files below the folder that may be taken, walked through open folders beneath the media root.</summary>
    private List<Found> Walk(WatchFolderRecord folder, Recipe recipe)
    {
        var skip = OutputFolderInside(folder, recipe);
        var found = new List<Found>();
        using var open = roots.Root(folder.Root).OpenDirectory(folder.Path.Length == 0 ? "." : folder.Path);
        Walk(open, "", skip, found);
        return found;
    }

    private static void Walk(MediaDirectory directory, string dir, string? skip, List<Found> found)
    {
        foreach (var name in directory.List().Order(StringComparer.Ordinal))
        {
            if (IgnoredNames.IsIgnored(name)) continue;
            var relative = dir.Length == 0 ? name : dir + "/" + name;
            if (relative == skip) continue;
            try
            {
                using var file = directory.OpenFile(name);
                if (file.Length > 0)
                {
                    var id = file.Identity;
                    found.Add(new Found(relative, file.Length, file.Facts.LastWrite.UtcTicks, $"{id.DevMajor}:{id.DevMinor}:{id.Inode}"));
                }

                continue;
            }
            catch (MediaAccessException)
            {
                // Not a regular file: a folder (walked below), or a link that leads out, a device, or gone.
            }

            try
            {
                using var sub = directory.OpenDirectory(name);
                Walk(sub, relative, skip, found);
            }
            catch (MediaAccessException)
            {
                // A link that leads out of the root, or gone since it was listed.
            }
        }
    }

    /// <summary>The recipe's output folder below the watch folder (skipped, so outputs never become inputs), or null.</summary>
    private string? OutputFolderInside(WatchFolderRecord folder, Recipe recipe)
    {
        var literal = OutputPattern.LiteralFolder(recipe.OutputPattern);
        MediaRef outputFolder;
        if (literal.StartsWith('/'))
        {
            if (!roots.TryResolve(literal + "/x", out var resolved, out _) || resolved.Root != folder.Root) return null;
            outputFolder = new MediaRef { Root = resolved.Root, Path = resolved.Path[..^2] };
        }
        else
        {
            outputFolder = new MediaRef { Root = folder.Root, Path = literal };
        }

        if (folder.Path.Length == 0) return outputFolder.Path.Length == 0 ? null : outputFolder.Path;
        return outputFolder.Path.StartsWith(folder.Path + "/", StringComparison.Ordinal) ? outputFolder.Path[(folder.Path.Length + 1)..] : null;
    }
}
