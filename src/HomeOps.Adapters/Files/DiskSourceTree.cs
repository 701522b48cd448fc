using HomeOps.Model.Repository;

namespace HomeOps.Adapters.Files;

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
