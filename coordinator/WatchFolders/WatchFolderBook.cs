using System.Security.Cryptography;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Batches;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Media;
using RenderFarm.Coordinator.Notifications;
using RenderFarm.Coordinator.Recipes;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.WatchFolders;

/// <summary>What operators do with watch folders: add (a folder inside a media root, bound to a recipe), list with counts, pause, resume, remove.</summary>
public sealed class WatchFolderBook(WatchFolderStore store, WebhookSubscriptions webhooks, BatchInputs inputs, RecipeBook recipes, MediaRoots roots, IOptions<WatchFolderOptions> options, TimeProvider time)
{
    public static readonly TimeSpan MinSettle = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxSettle = TimeSpan.FromHours(1);

    public async Task<WatchFolder> AddAsync(AddWatchFolderRequest request, string owner, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        if (request.Recipe.Length == 0) problems.Add("recipe: is required; farmctl recipes list shows the recipes");
        if (!inputs.TryResolveFolder(request.Path, out var folder, out var error)) problems.Add($"path: {error}");
        var settle = request.SettleTime?.ToTimeSpan() ?? TimeSpan.Zero;
        if (settle == TimeSpan.Zero) settle = options.Value.DefaultSettleTime;
        else if (settle < MinSettle || settle > MaxSettle) problems.Add($"settle_time: {settle.TotalSeconds} s is outside 1 s..1 h (0 = {options.Value.DefaultSettleTime.TotalSeconds} s)");
        JobValidator.ValidateNotifyUrls("notify_urls", request.NotifyUrls, problems);
        if (problems.Count > 0) throw new JobValidationException(problems);

        try
        {
            using var open = roots.Root(folder.Root).OpenDirectory(folder.Path.Length == 0 ? "." : folder.Path);
        }
        catch (Protos.Media.Beneath.MediaAccessException ex)
        {
            throw new JobValidationException([ex.NotFound ? $"path: '{request.Path}' does not exist; make the folder first" : $"path: {ex.Message}"]);
        }

        await recipes.GetAsync(request.Recipe, 0, cancellationToken);
        var record = new WatchFolderRecord("wf-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)), folder.Root, folder.Path, request.Recipe,
            settle, request.RetakeChanged, false, owner, time.GetUtcNow(), null, null);
        if (!await store.InsertAsync(record, cancellationToken))
        {
            throw new JobStateConflictException($"'{request.Path}' is watched already; farmctl watchfolders list shows it");
        }

        await webhooks.AddAsync(WebhookSubscriptions.ForWatchFolder(record.Id), request.NotifyUrls, cancellationToken);

        return await ViewAsync(record, cancellationToken);
    }

    public async Task<IReadOnlyList<WatchFolder>> ListAsync(CancellationToken cancellationToken)
    {
        var list = new List<WatchFolder>();
        foreach (var folder in await store.ListAsync(cancellationToken)) list.Add(await ViewAsync(folder, cancellationToken));
        return list;
    }

    public async Task<WatchFolder> SetPausedAsync(string id, bool paused, CancellationToken cancellationToken)
    {
        if (!await store.SetPausedAsync(id, paused, cancellationToken)) throw Missing(id);
        return await ViewAsync(await store.FindAsync(id, cancellationToken) ?? throw Missing(id), cancellationToken);
    }

    public async Task RemoveAsync(string id, CancellationToken cancellationToken)
    {
        if (!await store.RemoveAsync(id, cancellationToken)) throw Missing(id);
        await webhooks.RemoveAsync(WebhookSubscriptions.ForWatchFolder(id), cancellationToken);
    }

    private async Task<WatchFolder> ViewAsync(WatchFolderRecord record, CancellationToken cancellationToken) => new()
    {
        Id = record.Id,
        Path = roots.DisplayPath(new MediaRef { Root = record.Root, Path = record.Path }),
        Recipe = record.RecipeName,
        SettleTime = Duration.FromTimeSpan(record.Settle),
        RetakeChanged = record.RetakeChanged,
        Paused = record.Paused,
        Owner = record.Owner,
        CreateTime = Timestamp.FromDateTimeOffset(record.CreateTime),
        LastScanTime = record.ScanTime is { } scan ? Timestamp.FromDateTimeOffset(scan) : null,
        LastError = record.Error ?? "",
        Counts = await store.CountAsync(record.Id, cancellationToken),
        NotifyUrls = { await webhooks.UrlsAsync(WebhookSubscriptions.ForWatchFolder(record.Id), cancellationToken) },
    };

    private static NotFoundException Missing(string id) => new($"watch folder '{id}' does not exist; farmctl watchfolders list shows them");
}
