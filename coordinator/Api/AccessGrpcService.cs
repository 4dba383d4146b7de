using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RenderFarm.Coordinator.Security;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Api;

/// <summary>AccessService over gRPC: agent enrollment, API keys, agent revocation, and who a key belongs to.</summary>
public sealed class AccessGrpcService(AgentEnrollment enrollment, ApiKeys keys) : AccessService.AccessServiceBase
{
    public override async Task<EnrollAgentResponse> EnrollAgent(EnrollAgentRequest request, ServerCallContext context) =>
        new() { Credential = await enrollment.EnrollAsync(request.AgentName, request.EnrollmentToken, context.CancellationToken) };

    public override async Task<CreateApiKeyResponse> CreateApiKey(CreateApiKeyRequest request, ServerCallContext context)
    {
        var (info, key) = await keys.CreateAsync(request.Name, request.Role, context.CancellationToken);
        return new CreateApiKeyResponse { Info = Map(info), Key = key };
    }

    public override async Task<ListApiKeysResponse> ListApiKeys(ListApiKeysRequest request, ServerCallContext context)
    {
        var response = new ListApiKeysResponse();
        response.Keys.AddRange((await keys.ListAsync(context.CancellationToken)).Select(Map));
        return response;
    }

    public override async Task<RevokeApiKeyResponse> RevokeApiKey(RevokeApiKeyRequest request, ServerCallContext context) =>
        new() { Info = Map(await keys.RevokeAsync(request.Key, context.CancellationToken)) };

    public override async Task<ListAgentCredentialsResponse> ListAgentCredentials(ListAgentCredentialsRequest request, ServerCallContext context)
    {
        var response = new ListAgentCredentialsResponse();
        response.Agents.AddRange((await enrollment.ListAsync(context.CancellationToken)).Select(Map));
        return response;
    }

    public override async Task<RevokeAgentResponse> RevokeAgent(RevokeAgentRequest request, ServerCallContext context)
    {
        var (credential, requeued) = await enrollment.RevokeAsync(request.AgentName, context.CancellationToken);
        return new RevokeAgentResponse { Agent = Map(credential), RequeuedAttempts = (uint)requeued };
    }

    public override Task<GetCallerResponse> GetCaller(GetCallerRequest request, ServerCallContext context) =>
        Caller.Of(context) is { IsAgent: false } caller
            ? Task.FromResult(new GetCallerResponse { Name = caller.Name, Role = caller.Role })
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "call with an API key (authorization: Bearer rfk_...)"));

    private static ApiKeyInfo Map(AccessStore.ApiKey key) => new()
    {
        Id = key.Id,
        Name = key.Name,
        Role = key.Role,
        CreateTime = Timestamp.FromDateTimeOffset(key.CreateTime),
        RevokeTime = key.RevokeTime is { } t ? Timestamp.FromDateTimeOffset(t) : null,
    };

    private static AgentCredentialInfo Map(AccessStore.AgentCredential agent) => new()
    {
        AgentName = agent.AgentName,
        CreateTime = Timestamp.FromDateTimeOffset(agent.CreateTime),
        RevokeTime = agent.RevokeTime is { } t ? Timestamp.FromDateTimeOffset(t) : null,
    };
}
