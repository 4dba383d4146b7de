using Microsoft.Win32.SafeHandles;

namespace RenderFarm.Protos.Media.Beneath;

/// <summary>
/// A regular file opened once beneath a media root, for reading. What was checked (kind, size, identity) is this
/// open file; hash it, serve it, or hand <see cref="ProcessPath"/> to ffmpeg or ffprobe, which opens this same file
/// whatever happens to its name meanwhile.
/// </summary>
public sealed class MediaFile : IDisposable
{
    private readonly SafeFileHandle _handle;

    internal MediaFile(SafeFileHandle handle, FileFacts facts, string name)
    {
        _handle = handle;
        Facts = facts;
        Name = name;
    }

    /// <summary>The relative path it was opened by (for messages only; never opened again).</summary>
    public string Name { get; }

    public FileFacts Facts { get; }

    public long Length => Facts.Length;

    public FileIdentity Identity => Facts.Identity;

    public SafeFileHandle Handle => _handle;

    /// <summary>
    /// The open file's size and times as they are now (<c>statx</c> on this handle, never on a name): what a probe of it
    /// is stamped with, and what stamped facts are compared with before they stand in for a probe.
    /// </summary>
    public FileStamp Stamp() => MediaDirectory.StampOf(_handle, Name);

    /// <summary>A name that leads to this open file for other processes of the same user: <c>/proc/PID/fd/N</c>.</summary>
    public string ProcessPath => MediaDirectory.ProcessPathOf(_handle);

    /// <summary>A stream over the open file from its start; disposing the stream leaves the file open.</summary>
    public Stream OpenRead(int bufferSize = 1 << 16)
    {
        var stream = new FileStream(new SafeFileHandle(_handle.DangerousGetHandle(), ownsHandle: false), FileAccess.Read, bufferSize);
        return stream;
    }

    public void Dispose() => _handle.Dispose();
}
