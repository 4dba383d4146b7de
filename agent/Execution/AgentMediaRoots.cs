using RenderFarm.Protos.Media;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Execution;

/// <summary>
/// Maps media references from the coordinator to this machine's folders, and checks again that the
/// result stays inside the root: the agent trusts no path it is sent.
/// </summary>
public sealed class AgentMediaRoots
{
    private readonly Dictionary<string, string> _roots;

    public AgentMediaRoots(IReadOnlyDictionary<string, string> roots)
    {
        _roots = roots.ToDictionary(r => r.Key, r => Path.TrimEndingDirectorySeparator(PathSafety.RealPath(Path.GetFullPath(r.Value))));
    }

    public IEnumerable<string> Names => _roots.Keys;

    public bool TryResolve(MediaRef? media, out string path, out string error)
    {
        path = "";
        error = "";
        if (media is null || media.Root.Length == 0)
        {
            error = "no media reference";
            return false;
        }

        if (!_roots.TryGetValue(media.Root, out var root))
        {
            error = $"this agent has no media root named '{media.Root}'";
            return false;
        }

        if (media.Path.Length == 0 || Path.IsPathRooted(media.Path) || media.Path.Any(char.IsControl)
            || media.Path.Split('/', '\\').Any(s => s == ".."))
        {
            error = $"'{media.Path}' is not a plain relative path";
            return false;
        }

        var full = Path.GetFullPath(Path.Combine(root, media.Path));
        if (!PathSafety.IsInside(full, root))
        {
            error = $"'{media.Path}' leads outside media root '{media.Root}'";
            return false;
        }

        string real;
        try
        {
            real = PathSafety.RealPath(full);
        }
        catch (LinkLoopException loop)
        {
            error = loop.Message;
            return false;
        }

        if (!PathSafety.IsInside(real, root))
        {
            error = $"'{media.Path}' leads through a link to '{real}', outside media root '{media.Root}'";
            return false;
        }

        path = full;
        return true;
    }
}
