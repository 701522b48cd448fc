namespace HomeOps.Compile.Repository;

/// <summary>
/// The repository's files and directories by relative path ('/'-separated, "" for the root), as the
/// loader listed them: what Flux's artifact and kustomize's file loader can see, without touching disk.
/// </summary>
public sealed class RepoPaths
{
    private readonly HashSet<string> _files;
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal) { "" };
    private readonly ILookup<string, string> _filesByDirectory;
    private readonly ILookup<string, string> _subdirectories;

    public RepoPaths(IEnumerable<string> files)
    {
        _files = files.ToHashSet(StringComparer.Ordinal);
        foreach (var file in _files)
            for (var dir = DirectoryOf(file); dir.Length > 0 && _directories.Add(dir); dir = DirectoryOf(dir)) { }
        _filesByDirectory = _files.Order(StringComparer.Ordinal).ToLookup(DirectoryOf, StringComparer.Ordinal);
        _subdirectories = _directories.Where(d => d.Length > 0).Order(StringComparer.Ordinal).ToLookup(DirectoryOf, StringComparer.Ordinal);
    }

    public bool IsFile(string path) => _files.Contains(path);

    public bool IsDirectory(string path) => _directories.Contains(path);

    public IEnumerable<string> Directories => _directories;

    public IEnumerable<string> FilesIn(string directory) => _filesByDirectory[directory];

    public IEnumerable<string> DirectoriesIn(string directory) => _subdirectories[directory];

    /// <summary>Existing paths under <paramref name="directory"/> (files and directories), for did-you-mean hints.</summary>
    public IEnumerable<string> EntriesIn(string directory) => FilesIn(directory).Concat(DirectoriesIn(directory));

    public static string DirectoryOf(string path) => path.LastIndexOf('/') is var i and >= 0 ? path[..i] : "";

    public static bool IsYaml(string path) => path.EndsWith(".yaml", StringComparison.Ordinal) || path.EndsWith(".yml", StringComparison.Ordinal);

    /// <summary>
    /// <paramref name="relative"/> resolved against <paramref name="directory"/> ("./", ".." and "//"
    /// folded; a leading '/' means the repository root, as in Flux's spec.path); null when it climbs
    /// above the root, where neither Flux nor this check can follow it.
    /// </summary>
    public static string? Join(string directory, string relative)
    {
        var parts = new List<string>();
        var start = relative.StartsWith('/') ? "" : directory;
        foreach (var part in (start + "/" + relative).Split('/'))
        {
            if (part is "" or ".") continue;
            if (part != "..") parts.Add(part);
            else if (parts.Count == 0) return null;
            else parts.RemoveAt(parts.Count - 1);
        }
        return string.Join('/', parts);
    }

    /// <summary>kustomize fetches these itself (URLs, git@ and go-getter style host paths); they are not files of this repository.</summary>
    public static bool IsRemote(string reference) =>
        reference.Contains("://", StringComparison.Ordinal) || reference.StartsWith("git@", StringComparison.Ordinal)
        || reference.Contains("?ref=", StringComparison.Ordinal)
        || GitHosts.Any(h => reference.StartsWith(h, StringComparison.Ordinal));

    private static readonly string[] GitHosts = ["github.com/", "gitlab.com/", "bitbucket.org/"];
}
