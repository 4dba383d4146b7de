using Grpc.Core;
using RenderFarm.Coordinator.Security;
using RenderFarm.Coordinator.WatchFolders;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Api;

/// <summary>WatchFolderService over gRPC: the caller's name as the owner, then the watch folder book.</summary>
public sealed class WatchFolderGrpcService(WatchFolderBook book) : WatchFolderService.WatchFolderServiceBase
{
    public override async Task<AddWatchFolderResponse> AddWatchFolder(AddWatchFolderRequest request, ServerCallContext context) =>
        new() { WatchFolder = await book.AddAsync(request, Caller.Of(context)?.Name ?? "", context.CancellationToken) };

    public override async Task<ListWatchFoldersResponse> ListWatchFolders(ListWatchFoldersRequest request, ServerCallContext context)
    {
        var response = new ListWatchFoldersResponse();
        response.WatchFolders.AddRange(await book.ListAsync(context.CancellationToken));
        return response;
    }

    public override async Task<PauseWatchFolderResponse> PauseWatchFolder(PauseWatchFolderRequest request, ServerCallContext context) =>
        new() { WatchFolder = await book.SetPausedAsync(RequireId(request.Id), true, context.CancellationToken) };

    public override async Task<ResumeWatchFolderResponse> ResumeWatchFolder(ResumeWatchFolderRequest request, ServerCallContext context) =>
        new() { WatchFolder = await book.SetPausedAsync(RequireId(request.Id), false, context.CancellationToken) };

    public override async Task<RemoveWatchFolderResponse> RemoveWatchFolder(RemoveWatchFolderRequest request, ServerCallContext context)
    {
        await book.RemoveAsync(RequireId(request.Id), context.CancellationToken);
        return new RemoveWatchFolderResponse();
    }

    private static string RequireId(string id) =>
        string.IsNullOrWhiteSpace(id) ? throw new RpcException(new Status(StatusCode.InvalidArgument, "id: is required; farmctl watchfolders list shows the ids")) : id;
}
