using System.Globalization;
using RenderFarm.Coordinator.Batches;
using RenderFarm.Coordinator.Media;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Recipes;

/// <summary>The job a recipe makes of one input: its output path (the pattern filled in) and its spec. Batches and watch folders share it.</summary>
public sealed class RecipeJobs(MediaRoots roots, SourceProbe probe)
{
    /// <summary>The picture size of each input as shown (for {width} and {height}), probed four at a time, or why it cannot be read.</summary>
    public async Task<(int Width, int Height, string? Problem)[]> PictureSizesAsync(IReadOnlyList<BatchInput> inputs, CancellationToken cancellationToken)
    {
        var sizes = new (int, int, string?)[inputs.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, inputs.Count), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            try
            {
                using var file = roots.OpenFile(inputs[i].Media);
                sizes[i] = await probe.PictureSizeAsync(file, ct);
            }
            catch (MediaAccessException ex)
            {
                sizes[i] = (0, 0, ex.NotFound ? "does not exist" : ex.Message);
            }
        });
        return sizes;
    }

    /// <summary>The output path of <paramref name="input"/>: the recipe's pattern filled in, inside the input's media root when relative.</summary>
    public string OutputFor(Recipe recipe, BatchInput input, string batchId, DateTimeOffset now, (int Width, int Height, string? Problem)? size)
    {
        var fileName = input.Media.Path[(input.Media.Path.LastIndexOf('/') + 1)..];
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["dir"] = input.Dir,
            ["name"] = Path.GetFileNameWithoutExtension(fileName),
            ["ext"] = Path.GetExtension(fileName).TrimStart('.'),
            ["date"] = now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["recipe"] = recipe.Name,
            ["version"] = recipe.Version.ToString(CultureInfo.InvariantCulture),
            ["width"] = (size?.Width ?? 0).ToString(CultureInfo.InvariantCulture),
            ["height"] = (size?.Height ?? 0).ToString(CultureInfo.InvariantCulture),
            ["batch"] = batchId,
        };
        var path = OutputPattern.Expand(recipe.OutputPattern, values);
        return path.StartsWith('/') ? path : roots.DisplayPath(new MediaRef { Root = input.Media.Root, Path = path });
    }

    /// <summary>The job a recipe makes of one input.</summary>
    public static JobSpec SpecFor(Recipe recipe, BatchInput input, string output, string batchId, string owner)
    {
        var spec = new JobSpec
        {
            Name = Path.GetFileName(input.Media.Path),
            InputPath = input.Path,
            OutputPath = output,
            Output = recipe.Output?.Clone(),
            Grade = recipe.Grade?.Clone(),
            Priority = recipe.Priority,
            Overwrite = recipe.Overwrite,
            ChunkDuration = recipe.ChunkDuration?.Clone(),
            WholeFile = recipe.WholeFile,
            Owner = owner,
            RecipeName = recipe.Name,
            RecipeVersion = recipe.Version,
            BatchId = batchId,
        };
        if (recipe.HasMaxRetries) spec.MaxRetries = recipe.MaxRetries;
        return spec;
    }
}
