namespace RenderFarm.Protos.Media;

/// <summary>A path whose links lead in a circle (<c>a -> b -> a</c>, <c>self -> self</c>) or through too many links to follow.</summary>
public sealed class LinkLoopException(string path, int maxLinks)
    : IOException($"'{path}' leads through a loop of links, or through more than {maxLinks} links; fix or remove the link");
