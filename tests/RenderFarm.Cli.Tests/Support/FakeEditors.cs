using Grpc.Core;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Support;

/// <summary>What the fake RecipeService and BatchService answer, and what farmctl sent them. One per test.</summary>
public sealed class FakeEditors
{
    public List<SaveRecipeRequest> Saved { get; } = [];

    public List<SubmitBatchRequest> Batches { get; } = [];

    /// <summary>What WatchBatch streams, in order, before it ends.</summary>
    public List<Batch> WatchUpdates { get; } = [];
}

/// <summary>A scripted RecipeService: saves answer version 1.</summary>
public sealed class FakeRecipeService(FakeEditors editors) : RecipeService.RecipeServiceBase
{
    public override Task<SaveRecipeResponse> SaveRecipe(SaveRecipeRequest request, ServerCallContext context)
    {
        editors.Saved.Add(request);
        var recipe = request.Recipe.Clone();
        recipe.Version = 1;
        return Task.FromResult(new SaveRecipeResponse { Recipe = recipe, Changed = true });
    }
}

/// <summary>A scripted BatchService: a submitted batch is queued whole; WatchBatch streams <see cref="FakeEditors.WatchUpdates"/>.</summary>
public sealed class FakeBatchService(FakeEditors editors) : BatchService.BatchServiceBase
{
    public override Task<SubmitBatchResponse> SubmitBatch(SubmitBatchRequest request, ServerCallContext context)
    {
        editors.Batches.Add(request);
        var total = (uint)Math.Max(1, request.Inputs.Count);
        return Task.FromResult(new SubmitBatchResponse
        {
            Batch = new Batch { Id = "batch-1", RecipeName = request.Recipe, RecipeVersion = 1, State = JobState.Queued, Counts = new BatchCounts { Total = total, Queued = total } },
        });
    }

    public override async Task WatchBatch(WatchBatchRequest request, IServerStreamWriter<WatchBatchResponse> responseStream, ServerCallContext context)
    {
        foreach (var batch in editors.WatchUpdates) await responseStream.WriteAsync(new WatchBatchResponse { Batch = batch });
    }
}
