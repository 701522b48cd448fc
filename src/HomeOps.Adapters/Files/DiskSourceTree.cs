using HomeOps.Model.Repository;

namespace HomeOps.Adapters.Files;

/// <summary>
/// The repository on disk. Refuses any path that resolves outside the root (via '..' or a symlink). Files over
/// <see cref="DiskRepository.MaxFileBytes"/> do not count as existing for text reads (the loader reports them as too
/// large), so nothing reads a file of unbounded size whole; <see cref="OpenRead"/> streams any size. A file of length
/// zero (empty, or a FIFO or device) reads as empty and is never opened.
/// </summary>
public sealed class DiskSourceTree(string root) : ISourceTree
{
    public string Root { get; } = Path.GetFullPath(root);

    public bool Exists(string path) => TryResolve(path, out var full) && new FileInfo(full) is { Exists: true, Length: <= DiskRepository.MaxFileBytes };

    public string ReadText(string path)
    {
        var info = new FileInfo(Checked(path));
        if (info.Length > DiskRepository.MaxFileBytes)
            throw new IOException($"{path} is {info.Length / (1024 * 1024)} MiB, over the {DiskRepository.MaxFileBytes / (1024 * 1024)} MiB limit; not read");
        return info.Length == 0 ? "" : File.ReadAllText(info.FullName);
    }

    public Stream OpenRead(string path)
    {
        var info = new FileInfo(Checked(path));
        return info.Length == 0 ? new MemoryStream() : info.OpenRead();
    }

    private string Checked(string path) =>
        TryResolve(path, out var full) ? full : throw new UnauthorizedAccessException($"{path} resolves outside the repository {Root}");

    private bool TryResolve(string path, out string full)
    {
        full = Path.GetFullPath(Path.Combine(Root, path));
        if (!RepoPath.IsInside(Root, full)) return false;
        try
        {
            return RealPath.IsInside(RealPath.Resolve(Root), RealPath.Resolve(full));
        }
        catch (IOException)
        {
            return false; // a symlink loop
        }
    }
}
