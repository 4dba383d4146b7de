using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Notifications;
using RenderFarm.Coordinator.Recipes;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Batches;

/// <summary>
/// What editors do with batches: submit many inputs with one recipe (every input checked first, all jobs inserted in
/// one transaction), read a batch's counts, cancel or retry its jobs.
/// </summary>
public sealed class BatchCatalog(
    RecipeBook recipes,
    BatchInputs inputs,
    BatchStore store,
    JobValidator validator,
    JobCatalog jobs,
    JobSequence sequence,
    RecipeJobs recipeJobs,
    IOptionsMonitor<WebhookOptions> webhooks,
    TimeProvider time)
{
    /// <summary>Problems listed in a refusal; the rest are counted.</summary>
    public const int MaxProblemsShown = 20;

    public const int MaxNameLength = 200;

    public async Task<BatchRecord> SubmitAsync(SubmitBatchRequest request, string owner, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        if (request.Recipe.Length == 0) throw new JobValidationException(["recipe: is required; farmctl recipes list shows the recipes"]);
        if (request.Name.Length > MaxNameLength || request.Name.Any(char.IsControl)) problems.Add($"name: use at most {MaxNameLength} characters, without control characters");
        JobValidator.ValidateNotifyUrls("notify_urls", request.NotifyUrls, problems);
        if (request.NotifyUrls.Count > 0 && !webhooks.CurrentValue.AllowJobUrls)
        {
            problems.Add("notify_urls: this farm takes no webhook URLs from submitters (Coordinator:Webhooks:AllowJobUrls is false); ask an operator for a farm-wide endpoint");
        }

        var recipe = await recipes.GetAsync(request.Recipe, 0, cancellationToken);
        var found = inputs.Resolve(request, problems);
        if (found.Count == 0 && problems.Count > 0) throw Refusal(problems);

        var now = time.GetUtcNow();
        var batchId = "batch-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var sizes = OutputPattern.NeedsPictureSize(recipe.OutputPattern) ? await recipeJobs.PictureSizesAsync(found, cancellationToken) : null;

        var valid = new List<JobValidator.ValidatedJob>(found.Count);
        var outputs = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < found.Count; i++)
        {
            var input = found[i];
            var label = input.Label;
            if (sizes?[i].Problem is { } sizeProblem)
            {
                problems.Add($"{label}: {sizeProblem}");
                continue;
            }

            var output = recipeJobs.OutputFor(recipe, input, batchId, now, sizes?[i]);
            if (outputs.TryGetValue(output, out var first))
            {
                problems.Add($"{label}: makes '{output}' like {found[first].Label}; add {{dir}} or {{ext}} to recipe {recipe.Name}'s output_pattern");
                continue;
            }

            outputs[output] = i;
            try
            {
                valid.Add(validator.Validate(RecipeJobs.SpecFor(recipe, input, output, batchId, owner)));
            }
            catch (JobValidationException ex)
            {
                problems.AddRange(ex.Problems.Select(p => $"{label}: {p}"));
            }

            if (problems.Count > MaxProblemsShown * 4) break;
        }

        if (problems.Count > 0) throw Refusal(problems);

        var batch = new BatchRecord(batchId, sequence.Next(), request.Name.Length > 0 ? request.Name : $"{recipe.Name} x {found.Count}",
            recipe.Name, recipe.Version, owner, now, found.Count);
        await jobs.SubmitManyAsync(valid, async (tx, records) =>
        {
            await BatchStore.InsertAsync(tx, batch, records.Select(r => r.Id).ToList());
            await WebhookSubscriptions.InsertAsync(tx, WebhookSubscriptions.ForBatch(batch.Id), request.NotifyUrls);
        }, cancellationToken);
        return batch;
    }

    public async Task<BatchRecord> GetAsync(string batchId, CancellationToken cancellationToken) =>
        await store.FindAsync(batchId, cancellationToken)
        ?? throw new NotFoundException($"batch '{batchId}' does not exist; farmctl batches lists the batches");

    /// <summary>Cancels every job of the batch that has not ended; returns how many it canceled.</summary>
    public Task<int> CancelAsync(string batchId, CancellationToken cancellationToken) =>
        ForEachJobAsync(batchId, [JobState.Waiting, JobState.Queued, JobState.Running], id => jobs.CancelAsync(id, cancellationToken), cancellationToken);

    /// <summary>Queues every failed or canceled job of the batch again; returns how many.</summary>
    public Task<int> RetryAsync(string batchId, CancellationToken cancellationToken) =>
        ForEachJobAsync(batchId, [JobState.Failed, JobState.Canceled], id => jobs.RetryAsync(id, cancellationToken), cancellationToken);

    /// <summary>
    /// Runs <paramref name="change"/> on the batch's jobs in <paramref name="states"/>, many at once so their transactions
    /// share commits; a job that moved on meanwhile (ended, or retried by someone else) is left as it is.
    /// </summary>
    private async Task<int> ForEachJobAsync(string batchId, JobState[] states, Func<string, Task<JobRecord>> change, CancellationToken cancellationToken)
    {
        var batch = await GetAsync(batchId, cancellationToken);
        var ids = await store.JobIdsAsync(batch.Id, states, BatchInputs.MaxInputs, cancellationToken);
        var done = 0;
        foreach (var chunk in ids.Chunk(128))
        {
            var results = await Task.WhenAll(chunk.Select(async id =>
            {
                try
                {
                    await change(id);
                    return 1;
                }
                catch (JobStateConflictException)
                {
                    return 0;
                }
            }));
            done += results.Sum();
        }

        return done;
    }

    private static JobValidationException Refusal(List<string> problems) =>
        new(problems.Count <= MaxProblemsShown ? problems : [.. problems.Take(MaxProblemsShown), $"... and {problems.Count - MaxProblemsShown} more problems"]);
}
