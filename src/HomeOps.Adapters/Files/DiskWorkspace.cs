using System.Text;
using HomeOps.Model;
using HomeOps.Operations;

namespace HomeOps.Adapters.Files;

/// <summary>
/// The repository on disk. Key material goes through <see cref="SecretFileWriter"/> and its Git guard; every other
/// write is atomic (<see cref="SafeFiles"/>); homeops' own files are private from creation.
/// </summary>
public sealed class DiskWorkspace(string root, IGit git) : IWorkspace
{
    /// <summary>homeops' runtime directory in the repository (state, log, lock, snapshots, kubeconfig): ignored by Git, 0700.</summary>
    public const string RuntimeDirectory = ".homeops";

    private readonly SecretFileWriter _secrets = new(Path.GetFullPath(root), git);

    public string Root { get; } = Path.GetFullPath(root);

    private string Full(string path) => Path.GetFullPath(Path.Combine(Root, path));

    public bool FileExists(string path) => File.Exists(Full(path));

    public long? FileSize(string path) => new FileInfo(Full(path)) is { Exists: true } info ? info.Length : null;

    public string ReadText(string path) => File.ReadAllText(Full(path));

    public void ReplaceText(string path, string text)
    {
        var full = Full(path);
        if (SafeFiles.IsSymlink(full))
            throw new HomeOpsException(Finding.Error("io/symlink", SourceLocation.InFile(path),
                $"{path} is a symlink; homeops does not write through symlinks, so it was not changed",
                $"make the change in {path} by hand (its target: {new FileInfo(full).LinkTarget})"));
        var mode = OperatingSystem.IsWindows() || !File.Exists(full) ? SafeFiles.PrivateFile : File.GetUnixFileMode(full);
        SafeFiles.Commit(SafeFiles.Stage(full, Encoding.UTF8.GetBytes(text), mode), full);
    }

    public void DeleteFile(string path)
    {
        var full = InsideNotThroughSymlink(path, "delete only inside the repository",
            "does not delete through symlinks, so it was kept", "remove it by hand if it should go");
        File.Delete(full);
        for (var directory = Path.GetDirectoryName(full)!; directory != Root && Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any();
             directory = Path.GetDirectoryName(directory)!)
            Directory.Delete(directory);
    }

    public void WriteText(string path, string text)
    {
        var full = InsideNotThroughSymlink(path, "write only inside the repository",
            "does not write through symlinks, so it was not changed", "replace the symlink with a file, or remove it");
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        // a file to commit: the existing mode kept, else rw-r--r--; atomic like every other write (issue 17)
        var mode = OperatingSystem.IsWindows() || !File.Exists(full) ? SharedFile : File.GetUnixFileMode(full);
        SafeFiles.Commit(SafeFiles.Stage(full, Encoding.UTF8.GetBytes(text), mode), full);
    }

    /// <summary>
    /// The full path of a file of the operator's repository that init writes or deletes: refused outside the repository
    /// and through a symlink (<paramref name="symlinkRefusal"/> completes "homeops ...").
    /// </summary>
    private string InsideNotThroughSymlink(string path, string outsideHint, string symlinkRefusal, string symlinkHint)
    {
        var full = Full(path);
        if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new HomeOpsException(Finding.Error("repo/path", SourceLocation.InFile(path), $"{path} is outside {Root}", outsideHint));
        if (SafeFiles.IsSymlink(full))
            throw new HomeOpsException(Finding.Error("io/symlink", SourceLocation.InFile(path), $"{path} is a symlink; homeops {symlinkRefusal}", symlinkHint));
        return full;
    }

    private const UnixFileMode SharedFile = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public IReadOnlyList<string> Entries() =>
        Directory.Exists(Root) ? [.. Directory.EnumerateFileSystemEntries(Root).Select(e => Path.GetFileName(e)).Order(StringComparer.Ordinal)] : [];

    public void WritePrivate(string path, string text)
    {
        var full = Full(path);
        SafeFiles.CreatePrivateDirectory(Path.GetDirectoryName(full)!);
        SafeFiles.WriteAtomic(full, text);
    }

    // only directories created here get the private mode; an existing one is the operator's
    public void CreatePrivateDirectory(string path) => SafeFiles.CreatePrivateDirectory(Full(path));

    public bool TryCreateExclusive(string path)
    {
        var full = Full(path);
        SafeFiles.CreatePrivateDirectory(Path.GetDirectoryName(full)!);
        try
        {
            using var _ = SafeFiles.CreateExclusive(full);
            return true;
        }
        catch (IOException) when (File.Exists(full) || SafeFiles.IsSymlink(full))
        {
            return false;
        }
    }

    public void DeleteIfEmpty(string path)
    {
        var full = Full(path);
        if (new FileInfo(full) is { Exists: true, Length: 0 } && !SafeFiles.IsSymlink(full)) File.Delete(full);
    }

    public void PreparePrivateFile(string path)
    {
        var full = Full(path);
        if (SafeFiles.IsSymlink(full))
            throw new HomeOpsException(Finding.Error("io/symlink", SourceLocation.InFile(path),
                $"{path} is a symlink; key material is not written through symlinks", $"remove {path} and rerun"));
        SafeFiles.CreatePrivateDirectory(Path.GetDirectoryName(full)!);
        if (!File.Exists(full)) TryCreateExclusive(full);
        else if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(full, SafeFiles.PrivateFile);
    }

    public IDisposable LockCluster(string operation) => RunLock.Acquire(Path.Combine(Root, RuntimeDirectory, "cluster.lock"), operation);

    public IReadOnlyList<Finding> RefuseSecretTargets(IEnumerable<string> paths) =>
        _secrets.Check(paths.Select(p => Path.GetRelativePath(Root, Full(p)).Replace('\\', '/')));

    public void WriteSecrets(IReadOnlyList<(string Path, string Content)> files) => _secrets.WriteAll(files);

    public IReadOnlyList<(string Path, DateTimeOffset Modified)> Files(string directory, string pattern) =>
        Directory.Exists(Full(directory))
            ? new DirectoryInfo(Full(directory)).GetFiles(pattern).Select(f => (f.FullName, new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero))).ToList()
            : [];

    public void Move(string from, string to) => File.Move(Full(from), Full(to));

    /// <summary>
    /// A runtime file bootstrap-config.yaml names (state.file, state.log) as an absolute path: it must lie inside the
    /// repository's .homeops/ (its real path, symlinks followed), which Git must ignore. Anything else is refused with the
    /// reason: a state or log path elsewhere would put run state (and the log's details) where it could be committed or
    /// read by others.
    /// </summary>
    public string RuntimeFile(string configured, SourceLocation at)
    {
        var full = Full(configured);
        var runtime = Path.Combine(Root, RuntimeDirectory);
        string real;
        try { real = RealPath.Resolve(full); }
        catch (IOException e) { throw new HomeOpsException(Finding.Error("bootstrap/state-path", at, $"{configured}: {e.Message}", "use a path under .homeops/")); }
        if (!RealPath.IsInside(RealPath.Resolve(runtime), real) || real == RealPath.Resolve(runtime))
            throw new HomeOpsException(Finding.Error("bootstrap/state-path", at,
                $"'{configured}' is outside the repository's {RuntimeDirectory}/ directory; bootstrap keeps its state and log only there",
                $"use a path under {RuntimeDirectory}/ (the defaults are .homeops/bootstrap-state.json and .homeops/bootstrap.log)"));
        var status = git.Status(Root, RuntimeDirectory + "/probe");
        if (status.Error is { } error)
            throw new HomeOpsException(Finding.Error("bootstrap/state-path", at, $"cannot tell whether Git ignores {RuntimeDirectory}/ ({error})", "fix what Git reports, then rerun"));
        if (status.InRepository && (!status.Ignored || status.Tracked))
            throw new HomeOpsException(Finding.Error("bootstrap/state-path", at,
                $"Git does not ignore {RuntimeDirectory}/ (or tracks files in it); the bootstrap state and log would be committable",
                $"add `/{RuntimeDirectory}/` to .gitignore, then rerun"));
        return full;
    }
}
