namespace RenderFarm.Protos.Media.Beneath;

/// <summary>Which file an open handle is: device and inode, so two names of one file compare equal.</summary>
public readonly record struct FileIdentity(uint DevMajor, uint DevMinor, ulong Inode);

/// <summary>What <c>statx</c> says of an open handle.</summary>
public readonly record struct FileFacts(FileIdentity Identity, FileKind Kind, long Length, DateTimeOffset LastWrite);

/// <summary>The kind of an open handle; only <see cref="Regular"/> files are media.</summary>
public enum FileKind
{
    Regular,
    Directory,
    Other,
}
