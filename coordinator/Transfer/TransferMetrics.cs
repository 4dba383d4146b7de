using Prometheus;
using RenderFarm.Coordinator.Observability;

namespace RenderFarm.Coordinator.Transfer;

/// <summary>Transfer series in the coordinator's registry (<c>/metrics</c>).</summary>
public sealed class TransferMetrics
{
    public const string Download = "download";
    public const string Upload = "upload";

    public TransferMetrics(FarmMetrics farm)
    {
        var factory = Metrics.WithCustomRegistry(farm.Registry);
        Bytes = factory.CreateCounter("renderfarm_transfer_bytes_total", "Bytes moved for agents in transfer mode, by direction (download = to the agent) and agent.", "direction", "agent");
        Active = factory.CreateGauge("renderfarm_transfers_active", "Transfer streams open now, by direction.", "direction");
        Resumed = factory.CreateCounter("renderfarm_transfer_resumed_total", "Transfer streams that picked up where an earlier one stopped, by direction.", "direction");
        Rejected = factory.CreateCounter("renderfarm_transfer_chunks_rejected_total", "Chunks that arrived damaged and were sent again, by direction.", "direction");
        Hashed = factory.CreateCounter("renderfarm_transfer_hashed_bytes_total", "Input bytes the coordinator hashed (each file once while its size and time stay the same).");
        foreach (var direction in new[] { Download, Upload })
        {
            Active.WithLabels(direction);
            Resumed.WithLabels(direction);
            Rejected.WithLabels(direction);
        }
    }

    public Counter Bytes { get; }

    public Gauge Active { get; }

    public Counter Resumed { get; }

    public Counter Rejected { get; }

    public Counter Hashed { get; }

    /// <summary>Bytes moved in one direction, all agents together.</summary>
    public double BytesMoved(string direction) =>
        Bytes.GetAllLabelValues().Where(l => l[0] == direction).Sum(l => Bytes.WithLabels(l).Value);
}
