using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>The words messages and farmctl use for thumbnail kinds: <c>poster</c>, <c>contact-sheet</c>, <c>source</c>.</summary>
public static class ThumbnailKindNames
{
    public static string Of(ThumbnailKind kind) => kind switch
    {
        ThumbnailKind.ContactSheet => "contact-sheet",
        ThumbnailKind.Source => "source",
        _ => "poster",
    };
}
