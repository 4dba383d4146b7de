namespace RenderFarm.Coordinator.Cluster;

/// <summary>
/// Schema version 6: where each agent is connected (<c>rf_agent_presence</c>, one row per agent: the coordinator
/// holding its stream, what it said in its hello and what it runs) and which coordinators are alive
/// (<c>rf_coordinators</c>, a heartbeat each). Only coordinators sharing PostgreSQL write them.
/// </summary>
public static class AgentPresenceSchema
{
    public static readonly string[] Migration =
    [
        """
        CREATE TABLE rf_coordinators (
            id TEXT PRIMARY KEY,
            heartbeat_time BIGINT NOT NULL)
        """,
        """
        CREATE TABLE rf_agent_presence (
            agent_id TEXT PRIMARY KEY,
            coordinator TEXT NOT NULL,
            connected INTEGER NOT NULL,
            connect_time BIGINT NOT NULL,
            update_time BIGINT NOT NULL,
            info TEXT NOT NULL)
        """,
    ];
}
