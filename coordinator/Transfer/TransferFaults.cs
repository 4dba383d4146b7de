namespace RenderFarm.Coordinator.Transfer;

/// <summary>
/// Faults tests inject into transfers, to show that a cut stream resumes and a damaged chunk is caught.
/// Each is armed once and fires once; nothing is armed outside tests.
/// </summary>
public sealed class TransferFaults
{
    private long _cutDownloadAfter = -1;
    private long _cutUploadAfter = -1;
    private int _damageDownload;
    private int _damageUpload;

    /// <summary>The next download stream breaks off once it has sent this many bytes.</summary>
    public void CutNextDownloadAfter(long bytes) => Interlocked.Exchange(ref _cutDownloadAfter, bytes);

    /// <summary>The next upload stream breaks off once it has received this many bytes.</summary>
    public void CutNextUploadAfter(long bytes) => Interlocked.Exchange(ref _cutUploadAfter, bytes);

    /// <summary>Flips one byte of the next download chunk after its checksum was computed.</summary>
    public void DamageNextDownloadChunk() => Interlocked.Exchange(ref _damageDownload, 1);

    /// <summary>Flips one byte of the next upload chunk as it arrives, before it is checked.</summary>
    public void DamageNextUploadChunk() => Interlocked.Exchange(ref _damageUpload, 1);

    internal bool ShouldCutDownload(long sentInStream) => ShouldCut(ref _cutDownloadAfter, sentInStream);

    internal bool ShouldCutUpload(long receivedInStream) => ShouldCut(ref _cutUploadAfter, receivedInStream);

    internal void MaybeDamageDownload(Span<byte> chunk) => MaybeDamage(ref _damageDownload, chunk);

    internal void MaybeDamageUpload(Span<byte> chunk) => MaybeDamage(ref _damageUpload, chunk);

    private static bool ShouldCut(ref long armed, long bytes)
    {
        var limit = Interlocked.Read(ref armed);
        return limit >= 0 && bytes >= limit && Interlocked.CompareExchange(ref armed, -1, limit) == limit;
    }

    private static void MaybeDamage(ref int armed, Span<byte> chunk)
    {
        if (chunk.Length > 0 && Interlocked.Exchange(ref armed, 0) == 1) chunk[chunk.Length / 2] ^= 0x5A;
    }
}
