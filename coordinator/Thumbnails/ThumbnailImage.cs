namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>A thumbnail's JPEG and its size in pixels, or (with no JPEG) why it could not be made.</summary>
public sealed record ThumbnailImage(byte[]? Jpeg, int Width, int Height, string? Problem)
{
    public static ThumbnailImage Failed(string problem) => new(null, 0, 0, problem);
}
