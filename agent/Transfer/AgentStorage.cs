namespace RenderFarm.Agent.Transfer;

/// <summary>How an agent reaches media (<c>Agent:Storage</c>).</summary>
public enum AgentStorage
{
    /// <summary>It mounts the coordinator's media roots (under its own folders, <c>Agent:MediaRoots</c>).</summary>
    Shared,

    /// <summary>It sees no media root: inputs come down and outputs go up over gRPC, by content hash.</summary>
    Transfer,
}
