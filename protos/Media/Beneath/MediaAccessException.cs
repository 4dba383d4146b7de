namespace RenderFarm.Protos.Media.Beneath;

/// <summary>
/// A path beneath a media root could not be opened, or was refused: it leads out of the root, is not a regular
/// file, does not exist. <see cref="Exception.Message"/> says which, for a person.
/// </summary>
public sealed class MediaAccessException(string message, int errno = 0) : IOException(message)
{
    /// <summary>The system's error number, 0 when the refusal is the farm's own (not a regular file, ...).</summary>
    public int Errno { get; } = errno;

    /// <summary>Whether the path (or a folder along it) does not exist.</summary>
    public bool NotFound => Errno == LinuxCalls.ENOENT;

    /// <summary>Whether the name exists already.</summary>
    public bool Exists => Errno == LinuxCalls.EEXIST;
}
