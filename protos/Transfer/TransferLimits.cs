namespace RenderFarm.Protos.Transfer;

/// <summary>Sizes both ends of a transfer agree on.</summary>
public static class TransferLimits
{
    /// <summary>Default chunk size: 1 MiB, well under gRPC's 4 MB message limit.</summary>
    public const int DefaultChunkBytes = 1024 * 1024;

    /// <summary>Largest chunk either side accepts.</summary>
    public const int MaxChunkBytes = 2 * 1024 * 1024;

    /// <summary>The largest message a transfer call may carry: a chunk plus the fields around it.</summary>
    public const int MaxMessageBytes = MaxChunkBytes + 64 * 1024;
}
