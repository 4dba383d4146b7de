using System.IO.Enumeration;
using RenderFarm.Coordinator.Media;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Batches;

/// <summary>
/// A batch's inputs: the paths given, or the files of a folder inside a media root whose names match a glob. The
/// folder is opened beneath its root and walked through open folders (a link that leads out is not followed); hidden
/// files (names starting with '.') are left out.
/// </summary>
public sealed class BatchInputs(MediaRoots roots)
{
    /// <summary>The most inputs one batch takes.</summary>
    public const int MaxInputs = 10_000;

    public IReadOnlyList<BatchInput> Resolve(SubmitBatchRequest request, List<string> problems)
    {
        var hasFolder = request.Folder.Length > 0;
        if (hasFolder && request.Inputs.Count > 0) problems.Add("inputs: give either inputs or folder, not both");
        if (!hasFolder && request.Inputs.Count == 0) problems.Add("inputs: give at least one input file, or a folder (with a glob)");
        if (!hasFolder && (request.Glob.Length > 0 || request.Recursive)) problems.Add("glob: needs folder");
        if (request.Inputs.Count > MaxInputs) problems.Add($"inputs: {request.Inputs.Count} files is more than {MaxInputs}; split the batch");
        if (problems.Count > 0) return [];
        return hasFolder ? FromFolder(request, problems) : FromList(request, problems);
    }

    private List<BatchInput> FromList(SubmitBatchRequest request, List<string> problems)
    {
        var inputs = new List<BatchInput>(request.Inputs.Count);
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            if (!roots.TryResolve(request.Inputs[i], out var media, out var error))
            {
                problems.Add($"inputs[{i}]: {error}");
                continue;
            }

            var slash = media.Path.LastIndexOf('/');
            var path = roots.DisplayPath(media);
            inputs.Add(new BatchInput(path, media, slash < 0 ? "" : media.Path[..slash], $"inputs[{i}] '{path}'"));
        }

        return inputs;
    }

    private List<BatchInput> FromFolder(SubmitBatchRequest request, List<string> problems)
    {
        if (request.Glob.Contains('/'))
        {
            problems.Add("glob: matches file names only (e.g. *.MOV); set recursive to look in subfolders");
            return [];
        }

        if (!TryResolveFolder(request.Folder, out var folder, out var error))
        {
            problems.Add($"folder: {error}");
            return [];
        }

        var basePath = folder.Path;
        var inputs = new List<BatchInput>();
        try
        {
            using var open = roots.Root(folder.Root).OpenDirectory(basePath.Length == 0 ? "." : basePath);
            Walk(open, folder.Root, basePath, "", request.Glob.Length == 0 ? "*" : request.Glob, request.Recursive, inputs, problems);
        }
        catch (MediaAccessException ex)
        {
            problems.Add(ex.NotFound ? $"folder: '{request.Folder}' does not exist" : $"folder: {ex.Message}");
            return [];
        }

        if (inputs.Count == 0 && problems.Count == 0)
        {
            problems.Add($"folder: no file in '{request.Folder}' matches '{(request.Glob.Length == 0 ? "*" : request.Glob)}'{(request.Recursive ? " (subfolders included)" : "")}");
        }

        return inputs;
    }

    /// <summary>A folder inside a media root, or a media root itself (which <see cref="MediaRoots.TryResolve"/> does not take as a file's place).</summary>
    public bool TryResolveFolder(string path, out MediaRef folder, out string error)
    {
        var full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path.Length == 0 ? "/" : path));
        foreach (var (name, rootPath) in roots.Roots)
        {
            if (full != rootPath) continue;
            (folder, error) = (new MediaRef { Root = name, Path = "" }, "");
            return true;
        }

        if (!roots.TryResolve(path, out folder, out error)) return false;
        if (folder.Path == ".") folder.Path = "";
        return true;
    }

    private void Walk(MediaDirectory folder, string root, string basePath, string dir, string glob, bool recursive, List<BatchInput> inputs, List<string> problems)
    {
        foreach (var name in folder.List().Order(StringComparer.Ordinal))
        {
            if (name.StartsWith('.')) continue;
            var relative = dir.Length == 0 ? name : dir + "/" + name;
            bool isFile;
            try
            {
                using var file = folder.OpenFile(name);
                isFile = true;
            }
            catch (MediaAccessException)
            {
                isFile = false;
            }

            if (isFile)
            {
                if (!FileSystemName.MatchesSimpleExpression(glob, name, ignoreCase: true)) continue;
                if (inputs.Count == MaxInputs)
                {
                    problems.Add($"folder: more than {MaxInputs} files match; split the batch (a narrower glob, or one subfolder at a time)");
                    return;
                }

                var media = new MediaRef { Root = root, Path = basePath.Length == 0 ? relative : basePath + "/" + relative };
                var path = roots.DisplayPath(media);
                inputs.Add(new BatchInput(path, media, dir, $"'{path}'"));
                continue;
            }

            if (!recursive) continue;
            MediaDirectory sub;
            try
            {
                sub = folder.OpenDirectory(name);
            }
            catch (MediaAccessException)
            {
                continue; // a link that leads out, a device, or gone since it was listed
            }

            using (sub) Walk(sub, root, basePath, relative, glob, recursive, inputs, problems);
        }
    }
}
