using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>
/// The body of a job's end notification: the farm's own JSON (<see cref="WebhookFormats.Json"/>, documented in
/// docs/notifications.md), or the one-line message Slack's (<c>{"text": ...}</c>) and Discord's (<c>{"content": ...}</c>)
/// incoming webhooks take.
/// </summary>
public static class WebhookBodies
{
    /// <summary>The event of a batch all of whose jobs have ended.</summary>
    public const string BatchEnded = "batch.ended";

    /// <summary>Jobs listed in a batch.ended body (failed, canceled, outputs each); the rest are counted.</summary>
    public const int MaxBatchJobsListed = 1000;

    /// <summary>"job.succeeded", "job.failed" or "job.canceled".</summary>
    public static string EventOf(JobRecord job) => job.State switch
    {
        JobState.Succeeded => "job.succeeded",
        JobState.Failed => "job.failed",
        JobState.Canceled => "job.canceled",
        _ => throw new ArgumentException($"job {job.Id} has not ended ({job.State})", nameof(job)),
    };

    public static string For(JobRecord job, string format, string deliveryId, DateTimeOffset time) => format switch
    {
        WebhookFormats.Slack => new JsonObject { ["text"] = Line(job) }.ToJsonString(),
        WebhookFormats.Discord => new JsonObject { ["content"] = Line(job) }.ToJsonString(),
        _ => Json(job, deliveryId, time),
    };

    private static string Json(JobRecord job, string deliveryId, DateTimeOffset time)
    {
        var body = new JsonObject
        {
            ["event"] = EventOf(job),
            ["delivery_id"] = deliveryId,
            ["time"] = Time(time),
            ["job"] = new JsonObject
            {
                ["id"] = job.Id,
                ["name"] = job.Spec.Name,
                ["state"] = job.State.ToString().ToLowerInvariant(),
                ["error"] = job.Error ?? "",
                ["input_path"] = job.Spec.InputPath,
                ["input_from_job"] = job.Spec.InputFromJob,
                ["output_path"] = job.Spec.OutputPath,
                ["owner"] = job.Spec.Owner,
                ["create_time"] = Time(job.CreateTime),
                ["start_time"] = job.StartTime is { } s ? Time(s) : null,
                ["end_time"] = job.EndTime is { } e ? Time(e) : null,
            },
        };
        if (job.Result is { } r)
        {
            body["job"]!["output"] = new JsonObject
            {
                ["path"] = r.Path,
                ["size_bytes"] = r.SizeBytes,
                ["sha256"] = r.Sha256,
                ["duration_seconds"] = r.DurationSeconds,
                ["frame_count"] = r.FrameCount,
                ["video_codec"] = r.VideoCodec,
                ["width"] = r.Width,
                ["height"] = r.Height,
            };
        }

        return body.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    /// <summary>The body of a batch's end: <see cref="BatchEnded"/> with its counts, its failed and canceled jobs with their reasons, and its outputs.</summary>
    public static string ForBatch(BatchEnd ended, string format, string deliveryId, DateTimeOffset time) => format switch
    {
        WebhookFormats.Slack => new JsonObject { ["text"] = Line(ended) }.ToJsonString(),
        WebhookFormats.Discord => new JsonObject { ["content"] = Line(ended) }.ToJsonString(),
        _ => BatchJson(ended, deliveryId, time),
    };

    private static string BatchJson(BatchEnd ended, string deliveryId, DateTimeOffset time)
    {
        var c = ended.Counts;
        var jobs = ended.Jobs.OrderBy(j => j.Seq).ToList();
        JsonArray Ended(JobState state) => new(jobs.Where(j => j.State == state).Take(MaxBatchJobsListed)
            .Select(j => (JsonNode)new JsonObject { ["id"] = j.Id, ["name"] = j.Spec.Name, ["input_path"] = j.Spec.InputPath, ["error"] = j.Error ?? "" }).ToArray());
        var outputs = new JsonArray(jobs.Where(j => j.State == JobState.Succeeded).Take(MaxBatchJobsListed)
            .Select(j => (JsonNode)new JsonObject { ["job_id"] = j.Id, ["path"] = j.Result?.Path ?? j.Spec.OutputPath }).ToArray());
        var body = new JsonObject
        {
            ["event"] = BatchEnded,
            ["delivery_id"] = deliveryId,
            ["time"] = Time(time),
            ["batch"] = new JsonObject
            {
                ["id"] = ended.Batch.Id,
                ["name"] = ended.Batch.Name,
                ["state"] = ended.State.ToString().ToLowerInvariant(),
                ["recipe"] = ended.Batch.RecipeName,
                ["recipe_version"] = ended.Batch.RecipeVersion,
                ["owner"] = ended.Batch.Owner,
                ["create_time"] = Time(ended.Batch.CreateTime),
                ["end_time"] = Time(ended.EndTime),
                ["counts"] = new JsonObject
                {
                    ["total"] = c.Total,
                    ["succeeded"] = c.Succeeded,
                    ["failed"] = c.Failed,
                    ["canceled"] = c.Canceled,
                },
                ["failed_jobs"] = Ended(JobState.Failed),
                ["canceled_jobs"] = Ended(JobState.Canceled),
                ["outputs"] = outputs,
            },
        };
        return body.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    /// <summary>One line for chat: "RenderFarm: batch batch-1 "proxies x 3" ended: 2 succeeded, 1 failed, 0 canceled".</summary>
    private static string Line(BatchEnd ended)
    {
        var name = ended.Batch.Name.Length > 0 ? $" \"{ended.Batch.Name}\"" : "";
        var c = ended.Counts;
        return $"RenderFarm: batch {ended.Batch.Id}{name} ended: {c.Succeeded} succeeded, {c.Failed} failed, {c.Canceled} canceled";
    }

    /// <summary>One line for chat: "RenderFarm: job j-1 "Reel 3" succeeded: /media/out/reel3.mp4".</summary>
    private static string Line(JobRecord job)
    {
        var name = job.Spec.Name.Length > 0 ? $" \"{job.Spec.Name}\"" : "";
        var what = job.State switch
        {
            JobState.Succeeded => $"succeeded: {job.Result?.Path ?? job.Spec.OutputPath}",
            JobState.Failed => $"failed: {job.Error}",
            _ => $"was canceled: {job.Error}",
        };
        return $"RenderFarm: job {job.Id}{name} {what}";
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
