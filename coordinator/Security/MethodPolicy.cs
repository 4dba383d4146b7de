using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Security;

/// <summary>What each gRPC method needs. Add every new RPC here; until then it needs an operator.</summary>
public static class MethodPolicy
{
    public enum Need
    {
        /// <summary>Anyone, without a credential: health checks, enrollment, and reflection (the schema is public; grpcurl and buf curl read it).</summary>
        Nobody,
        Viewer,
        Editor,
        Operator,
        /// <summary>An enrolled agent's credential.</summary>
        Agent,
    }

    private static readonly Dictionary<string, Need> Methods = new(StringComparer.Ordinal)
    {
        ["/renderfarm.v1.JobService/SubmitJob"] = Need.Editor,
        ["/renderfarm.v1.JobService/GetJob"] = Need.Viewer,
        ["/renderfarm.v1.JobService/ListJobs"] = Need.Viewer,
        ["/renderfarm.v1.JobService/CancelJob"] = Need.Editor,
        ["/renderfarm.v1.JobService/RetryJob"] = Need.Editor,
        ["/renderfarm.v1.JobService/WatchJob"] = Need.Viewer,
        ["/renderfarm.v1.JobService/GetTaskLog"] = Need.Viewer,
        ["/renderfarm.v1.JobService/GetThumbnail"] = Need.Viewer,
        // Job control: editors steer their own jobs (JobAccess), operators any.
        ["/renderfarm.v1.JobService/SetJobPriority"] = Need.Editor,
        ["/renderfarm.v1.JobService/PauseJob"] = Need.Editor,
        ["/renderfarm.v1.JobService/ResumeJob"] = Need.Editor,
        ["/renderfarm.v1.JobService/CancelJobs"] = Need.Editor,
        ["/renderfarm.v1.JobService/RetryJobs"] = Need.Editor,
        ["/renderfarm.v1.FarmService/ListAgents"] = Need.Viewer,
        ["/renderfarm.v1.FarmService/GetQueueStats"] = Need.Viewer,
        ["/renderfarm.v1.FarmService/WatchFarm"] = Need.Viewer,
        ["/renderfarm.v1.FarmService/DrainAgent"] = Need.Operator,
        ["/renderfarm.v1.FarmService/ResumeAgent"] = Need.Operator,
        ["/renderfarm.v1.FarmService/SetAgentSchedule"] = Need.Operator,
        ["/renderfarm.v1.FarmService/CancelAttempt"] = Need.Operator,
        ["/renderfarm.v1.NotificationService/ListWebhookDeliveries"] = Need.Viewer,
        ["/renderfarm.v1.FarmService/ForgetAgent"] = Need.Operator,
        // Throughput: the series the dashboard's farm view draws.
        ["/renderfarm.v1.FarmService/GetThroughput"] = Need.Viewer,
        ["/renderfarm.v1.AgentService/Connect"] = Need.Agent,
        ["/renderfarm.v1.TransferService/DownloadBlob"] = Need.Agent,
        ["/renderfarm.v1.TransferService/GetUploadStatus"] = Need.Agent,
        ["/renderfarm.v1.TransferService/UploadOutput"] = Need.Agent,
        ["/renderfarm.v1.AccessService/EnrollAgent"] = Need.Nobody,
        ["/renderfarm.v1.AccessService/CreateApiKey"] = Need.Operator,
        ["/renderfarm.v1.AccessService/ListApiKeys"] = Need.Operator,
        ["/renderfarm.v1.AccessService/RevokeApiKey"] = Need.Operator,
        ["/renderfarm.v1.AccessService/ListAgentCredentials"] = Need.Operator,
        ["/renderfarm.v1.AccessService/RevokeAgent"] = Need.Operator,
        ["/renderfarm.v1.AccessService/GetCaller"] = Need.Viewer,
        // Recipes and batches.
        ["/renderfarm.v1.RecipeService/SaveRecipe"] = Need.Editor,
        ["/renderfarm.v1.RecipeService/GetRecipe"] = Need.Viewer,
        ["/renderfarm.v1.RecipeService/ListRecipes"] = Need.Viewer,
        ["/renderfarm.v1.RecipeService/DeleteRecipe"] = Need.Editor,
        ["/renderfarm.v1.RecipeService/ProtectRecipe"] = Need.Operator,
        ["/renderfarm.v1.BatchService/SubmitBatch"] = Need.Editor,
        ["/renderfarm.v1.BatchService/GetBatch"] = Need.Viewer,
        ["/renderfarm.v1.BatchService/ListBatches"] = Need.Viewer,
        ["/renderfarm.v1.BatchService/WatchBatch"] = Need.Viewer,
        ["/renderfarm.v1.BatchService/CancelBatch"] = Need.Editor,
        ["/renderfarm.v1.BatchService/RetryBatch"] = Need.Editor,
        ["/renderfarm.v1.WatchFolderService/AddWatchFolder"] = Need.Operator,
        ["/renderfarm.v1.WatchFolderService/ListWatchFolders"] = Need.Viewer,
        ["/renderfarm.v1.WatchFolderService/PauseWatchFolder"] = Need.Operator,
        ["/renderfarm.v1.WatchFolderService/ResumeWatchFolder"] = Need.Operator,
        ["/renderfarm.v1.WatchFolderService/RemoveWatchFolder"] = Need.Operator,
        ["/grpc.health.v1.Health/Check"] = Need.Nobody,
        ["/grpc.health.v1.Health/Watch"] = Need.Nobody,
        ["/grpc.health.v1.Health/List"] = Need.Nobody,
        ["/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"] = Need.Nobody,
        ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"] = Need.Nobody,
    };

    /// <summary>
    /// What <paramref name="method"/> needs. A renderfarm method missing from the table needs an operator (the safe
    /// default until it is listed); any other unknown method is refused (null).
    /// </summary>
    public static Need? For(string method) =>
        Methods.TryGetValue(method, out var need) ? need
        : method.StartsWith("/renderfarm.", StringComparison.Ordinal) ? Need.Operator
        : null;

    /// <summary>Whether the table names <paramref name="method"/> (a test checks every RPC is listed).</summary>
    public static bool IsListed(string method) => Methods.ContainsKey(method);

    /// <summary>Why <paramref name="caller"/> may not call a method that needs <paramref name="need"/>, or null when it may.</summary>
    public static string? Refusal(Need need, Caller caller) => need switch
    {
        Need.Nobody => null,
        Need.Agent => caller.IsAgent ? null : $"only enrolled agents may open the agent stream; {caller} is a person's key",
        _ when caller.IsAgent => $"{caller} may only use the agent stream",
        Need.Viewer or Need.Editor or Need.Operator when caller.Has(RoleFor(need)) => null,
        _ => $"{caller} may not do this: it needs the {RoleNames.Name(RoleFor(need))} role (ask an operator: farmctl keys create NAME --role {RoleNames.Name(RoleFor(need))})",
    };

    private static Role RoleFor(Need need) => need switch
    {
        Need.Viewer => Role.Viewer,
        Need.Editor => Role.Editor,
        _ => Role.Operator,
    };
}
