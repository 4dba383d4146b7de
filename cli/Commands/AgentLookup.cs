using Grpc.Core;
using RenderFarm.Cli.App;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Commands;

/// <summary>Finds the agent an operator means by its id or its name (names are what `farmctl agents` and `top` show).</summary>
internal static class AgentLookup
{
    /// <summary>
    /// The id of the agent with this id, else of the one agent with this name (any case). An unknown name is
    /// passed on as an id, so the coordinator's NotFound answers it.
    /// </summary>
    public static async Task<string> ResolveIdAsync(CommandContext context, string idOrName, CancellationToken cancellationToken)
    {
        var agents = (await context.Farm.ListAgentsAsync(new ListAgentsRequest(), cancellationToken: cancellationToken)).Agents;
        if (agents.Any(a => a.Id == idOrName))
        {
            return idOrName;
        }

        var named = agents.Where(a => string.Equals(a.Name, idOrName, StringComparison.OrdinalIgnoreCase)).ToList();
        return named.Count switch
        {
            1 => named[0].Id,
            0 => idOrName,
            _ => throw new RpcException(new Status(
                StatusCode.InvalidArgument,
                $"{named.Count} agents are named {idOrName} (ids {string.Join(", ", named.Select(a => a.Id))}); give the id.")),
        };
    }
}
