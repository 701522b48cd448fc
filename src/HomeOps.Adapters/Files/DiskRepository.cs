using System.Text;
using System.Text.RegularExpressions;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;

namespace HomeOps.Adapters.Files;

/// <summary>
/// Reads a repository from disk once into a <see cref="RepoModel"/>: lists files (Git's view when it is a
/// repository), refuses paths whose real path (symlinks followed) escapes it, reads text in parallel (at most
/// <see cref="MaxFileBytes"/> a file; binary and larger files are left to the secrets scan, which streams them), then
/// hands the files to the pure <see cref="RepoCompiler"/>. Problems become findings; nothing throws.
/// </summary>
public sealed class DiskRepository(IGit git)
{
    public const long MaxFileBytes = 8 * 1024 * 1024;

    private static readonly string[] SkippedDirectories = [".git", "bin", "obj", ".build", "node_modules"];

    public RepoModel Load(string root, System.Collections.IDictionary environment)
    {
        root = Path.GetFullPath(root);
        using var yaml = YamlBudget.Enter(new YamlBudget()); // every file the load parses shares one expansion budget
        var findings = new FindingBag();
        var listing = git.ListFiles(root);
        var ignored = Ignore.Parse(new DiskSourceTree(root) is var tree && tree.Exists(RepoFiles.HomeopsIgnore) ? tree.ReadText(RepoFiles.HomeopsIgnore) : "");
        var all = listing?.Files ?? Walk(root, findings);
        // .homeopsignore takes files out of every rule but the secrets scan: they are read, and only scanned
        var paths = all.Where(p => !ignored.Matches(p)).ToList();
        var scanOnly = all.Where(ignored.Matches).ToList();
        var files = new RepoFile?[paths.Count];
        var scanned = new RepoFile?[scanOnly.Count];
        var scanFindings = new FindingBag(); // what reading them finds is reported by the scan, not as findings of ignored files
        Parallel.For(0, paths.Count, i => files[i] = Read(root, paths[i], listing is null || listing.Value.Tracked.Contains(paths[i]), findings));
        Parallel.For(0, scanOnly.Count, i => scanned[i] = Read(root, scanOnly[i], listing is null || listing.Value.Tracked.Contains(scanOnly[i]), scanFindings));
        return RepoCompiler.Compile(new DiskSourceTree(root), files.OfType<RepoFile>().ToList(), findings.Sorted(), environment, scanned.OfType<RepoFile>().ToList());
    }

    private static List<string> Walk(string root, FindingBag findings)
    {
        var result = new List<string>();
        var pending = new Stack<string>([root]);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            string[] entries;
            try { entries = Directory.GetFileSystemEntries(directory); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                var relative = Path.GetRelativePath(root, directory).Replace('\\', '/');
                findings.Add(Finding.Error("repo/unreadable", SourceLocation.InFile(relative), $"cannot read the directory {relative}: {e.Message}; nothing in it was checked",
                    "check the directory's permissions"));
                continue;
            }
            foreach (var entry in entries)
            {
                var name = Path.GetFileName(entry);
                if (Directory.Exists(entry) && new DirectoryInfo(entry).LinkTarget is null)
                {
                    if (!SkippedDirectories.Contains(name)) pending.Push(entry);
                }
                else result.Add(Path.GetRelativePath(root, entry).Replace('\\', '/'));
            }
        }
        result.Sort(StringComparer.Ordinal);
        return result;
    }

    private static RepoFile? Read(string root, string path, bool tracked, FindingBag findings)
    {
        var full = Path.GetFullPath(Path.Combine(root, path));
        var info = new FileInfo(full);
        string real;
        try { real = RealPath.Resolve(full); }
        catch (IOException e) // a symlink loop ("Too many levels of symbolic links")
        {
            findings.Add(Finding.Error("repo/unreadable", SourceLocation.InFile(path), $"cannot read {path}: {e.Message}", "replace the symlink with the file itself, or remove it"));
            return null;
        }
        if (!RepoPath.IsInside(root, full) || !RealPath.IsInside(RealPath.Resolve(root), real))
        {
            findings.Add(Finding.Error("repo/path-escape", SourceLocation.InFile(path),
                $"{path} points outside the repository{(real == full ? "" : $" ({real})")}; refused",
                "replace the symlink with the file itself, or remove it"));
            return null;
        }
        var target = new FileInfo(real);
        if (!target.Exists)
        {
            if (Directory.Exists(real)) return null; // a symlinked directory: its files are read at their own paths
            if (info.LinkTarget is not null)
                findings.Add(Finding.Error("repo/unreadable", SourceLocation.InFile(path), $"cannot read {path}: its symlink leads nowhere ({info.LinkTarget})",
                    "replace the symlink with the file itself, or remove it"));
            return null; // deleted but still in the index
        }
        try
        {
            var length = target.Length;
            // Nothing to read, and opening a named pipe or device (size 0) would block or never end.
            if (length == 0) return new RepoFile(path, "", tracked);
            if (length > MaxFileBytes)
            {
                findings.Add(Finding.Warning("repo/file-too-large", SourceLocation.InFile(path),
                    $"{path} is {length / (1024 * 1024)} MiB; files over {MaxFileBytes / (1024 * 1024)} MiB are not read as YAML (only scanned for secrets)",
                    "keep large artifacts out of Git (Git LFS or a release asset)"));
                return new RepoFile(path, null, tracked);
            }
            var bytes = File.ReadAllBytes(real);
            if (Array.IndexOf(bytes, (byte)0, 0, Math.Min(bytes.Length, 8192)) >= 0)
            {
                if (RepoCompiler.IsManifestFile(path))
                    findings.Add(Finding.Error("yaml/syntax", SourceLocation.InFile(path), $"{path} is binary, not YAML", "restore the file from Git history"));
                return new RepoFile(path, null, tracked);
            }
            return new RepoFile(path, Encoding.UTF8.GetString(bytes), tracked);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            findings.Add(Finding.Error("repo/unreadable", SourceLocation.InFile(path), $"cannot read {path}: {e.Message}", "check the file's permissions"));
            return null;
        }
    }
}

/// <summary>The patterns of a .homeopsignore file.</summary>
public sealed class Ignore(IReadOnlyList<Regex> patterns)
{
    public static Ignore Parse(string text) => new(text.Split('\n')
        .Select(l => l.Trim())
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Select(l => new Regex(
            "^" + Regex.Escape(l.TrimStart('/')).Replace("\\*", "[^/]*") + (l.EndsWith('/') ? "" : "$")))
        .ToList());

    public bool Matches(string path) => patterns.Any(p => p.IsMatch(path));
}
