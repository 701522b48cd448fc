namespace HomeOps.Core.Edge;

/// <summary>Read access to the operator's repository. Paths are repository-relative with '/'.</summary>
public interface ISourceTree
{
    string Root { get; }
    bool Exists(string path);
    string ReadText(string path);
}

public static class RepoPath
{
    /// <summary>Joins and normalizes repository-relative paths ("a/./b/../c" → "a/c"); a leading ".." stays, to be refused on read.</summary>
    public static string Join(string directory, string path)
    {
        var parts = new List<string>();
        foreach (var part in $"{directory}/{path}".Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == ".." && parts.Count > 0 && parts[^1] != "..") parts.RemoveAt(parts.Count - 1);
            else parts.Add(part);
        }
        return string.Join('/', parts);
    }

    /// <summary>True when the absolute path <paramref name="full"/> is <paramref name="root"/> or below it.</summary>
    public static bool IsInside(string root, string full)
    {
        root = Path.GetFullPath(root).TrimEnd('/');
        return full == root || full.StartsWith(root + "/", StringComparison.Ordinal);
    }
}

/// <summary>The repository on disk. Refuses any path that resolves outside the root (via '..' or a symlink).</summary>
public sealed class DiskSourceTree(string root) : ISourceTree
{
    public string Root { get; } = Path.GetFullPath(root);

    public bool Exists(string path) => TryResolve(path, out var full) && File.Exists(full);

    public string ReadText(string path)
    {
        if (!TryResolve(path, out var full))
            throw new UnauthorizedAccessException($"{path} resolves outside the repository {Root}");
        return File.ReadAllText(full);
    }

    private bool TryResolve(string path, out string full)
    {
        full = Path.GetFullPath(Path.Combine(Root, path));
        if (!RepoPath.IsInside(Root, full)) return false;
        var info = new FileInfo(full);
        var target = info.Exists ? info.ResolveLinkTarget(returnFinalTarget: true) : null;
        return target is null || RepoPath.IsInside(Root, target.FullName);
    }
}
