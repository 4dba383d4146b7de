namespace RenderFarm.Protos.Media.Beneath;

/// <summary>
/// An open file's size, modification time and status-change time (ns since the Unix epoch) as <c>statx</c> reads them
/// from its handle. Writing the file moves its change time, which no user can set back (<c>touch -d</c> sets only the
/// access and modification times), so an equal stamp means the file was not rewritten.
/// </summary>
public readonly record struct FileStamp(long Length, long ModifiedNs, long ChangedNs);
