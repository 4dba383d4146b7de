namespace RenderFarm.Coordinator.Jobs;

/// <summary>The job domain asks for chained jobs' inputs to be checked (a chain whose parent already succeeded).</summary>
public interface IChainInputChecks
{
    /// <summary>Some chained task may wait for its input's check: look soon.</summary>
    void Wake();
}
