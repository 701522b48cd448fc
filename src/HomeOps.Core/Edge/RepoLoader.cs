using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using HomeOps.Core.Compile.TalConfig;
using HomeOps.Core.Compile.Talos;
using HomeOps.Core.Diagnostics;
using HomeOps.Core.Model.Repo;
using HomeOps.Core.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Core.Edge;

/// <summary>
/// Reads a repository once into a <see cref="RepoModel"/>: lists files (Git's view when it is a
/// repository), refuses paths that escape it, reads text, parses every YAML file in parallel and
/// loads talconfig.yaml and bootstrap-config.yaml. Problems become diagnostics; nothing throws.
/// </summary>
public sealed class RepoLoader(IGit git)
{
    public const long MaxFileBytes = 8 * 1024 * 1024;
    public const string BootstrapConfigPath = "bootstrap-config.yaml";

    /// <summary>Paths the validator skips entirely (one per line: "dir/", "exact/path" or a '*' glob; '#' comments).</summary>
    public const string IgnoreFile = ".homeopsignore";

    /// <summary>Folders that never hold Kubernetes manifests (their YAML is Talos config, CI, docs or test data).</summary>
    private static readonly string[] NotManifests = ["talos/", ".github/", "docs/", "tests/", "bench/", ".build/", "node_modules/"];

    private static readonly string[] SkippedDirectories = [".git", "bin", "obj", ".build", "node_modules"];

    public RepoModel Load(string root, System.Collections.IDictionary environment)
    {
        root = Path.GetFullPath(root);
        var diagnostics = new DiagnosticBag();
        var listing = git.ListFiles(root);
        var ignored = Ignore.Parse(File.Exists(Path.Combine(root, IgnoreFile)) ? File.ReadAllText(Path.Combine(root, IgnoreFile)) : "");
        var paths = (listing?.Files ?? Walk(root)).Where(p => !ignored.Matches(p)).ToList();
        var files = new RepoFile?[paths.Count];
        var manifests = new ConcurrentBag<(int Order, Manifest Manifest)>();
        Parallel.For(0, paths.Count, i =>
        {
            var path = paths[i];
            var file = Read(root, path, listing is null || listing.Value.Tracked.Contains(path), diagnostics);
            files[i] = file;
            if (file?.Text is { } text && IsManifestFile(path))
                foreach (var manifest in Parse(path, text, diagnostics)) manifests.Add((i * 10_000 + manifest.Index, manifest));
        });
        var tree = new DiskSourceTree(root);
        // Its own bag: the plan is dropped when *its* input has errors, not when some manifest failed to parse.
        var talosFound = new DiagnosticBag();
        var talos = tree.Exists(TalConfigLoader.DefaultPath) ? TalosCompiler.Plan(tree, TalConfigLoader.DefaultPath, environment, talosFound) : null;
        foreach (var d in talosFound.Sorted()) diagnostics.Add(d);
        var bootstrap = files.FirstOrDefault(f => f?.Path == BootstrapConfigPath)?.Text is { } bootstrapText
            ? Single(BootstrapConfigPath, bootstrapText, diagnostics) : null;
        return new RepoModel(root, tree, files.OfType<RepoFile>().ToList(), manifests.OrderBy(m => m.Order).Select(m => m.Manifest).ToList(),
            talos, bootstrap, diagnostics.Sorted());
    }

    private static bool IsManifestFile(string path) =>
        (path.EndsWith(".yaml", StringComparison.Ordinal) || path.EndsWith(".yml", StringComparison.Ordinal))
        && path != TalConfigLoader.DefaultPath && path != BootstrapConfigPath
        && !NotManifests.Any(p => path.StartsWith(p, StringComparison.Ordinal));

    private static List<string> Walk(string root)
    {
        var result = new List<string>();
        var pending = new Stack<string>([root]);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
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

    private static RepoFile? Read(string root, string path, bool tracked, DiagnosticBag diagnostics)
    {
        var full = Path.GetFullPath(Path.Combine(root, path));
        var info = new FileInfo(full);
        FileSystemInfo? target;
        try { target = info.LinkTarget is null ? null : info.ResolveLinkTarget(returnFinalTarget: true); }
        catch (IOException e) // a symlink loop ("Too many levels of symbolic links")
        {
            diagnostics.Add(Diagnostic.Error("repo/unreadable", SourceLocation.InFile(path), $"cannot read {path}: {e.Message}", "replace the symlink with the file itself, or remove it"));
            return null;
        }
        if (!RepoPath.IsInside(root, full) || target is not null && !RepoPath.IsInside(root, target.FullName))
        {
            diagnostics.Add(Diagnostic.Error("repo/path-escape", SourceLocation.InFile(path),
                $"{path} points outside the repository{(target is null ? "" : $" ({target.FullName})")}; refused",
                "replace the symlink with the file itself, or remove it"));
            return null;
        }
        if (!info.Exists && target is null) return null; // deleted but still in the index
        if (target is not null && Directory.Exists(target.FullName)) return null; // a symlinked directory: its files are read at their own paths
        try
        {
            var length = (target as FileInfo ?? info).Length;
            // Nothing to read, and opening a named pipe or device (size 0) would block or never end.
            if (length == 0) return new RepoFile(path, "", tracked);
            if (length > MaxFileBytes)
            {
                diagnostics.Add(Diagnostic.Warning("repo/file-too-large", SourceLocation.InFile(path),
                    $"{path} is {length / (1024 * 1024)} MiB; files over {MaxFileBytes / (1024 * 1024)} MiB are not checked",
                    "keep large artifacts out of Git (Git LFS or a release asset)"));
                return new RepoFile(path, null, tracked);
            }
            var bytes = File.ReadAllBytes(full);
            if (Array.IndexOf(bytes, (byte)0, 0, Math.Min(bytes.Length, 8192)) >= 0)
            {
                if (IsManifestFile(path))
                    diagnostics.Add(Diagnostic.Error("yaml/syntax", SourceLocation.InFile(path), $"{path} is binary, not YAML", "restore the file from Git history"));
                return new RepoFile(path, null, tracked);
            }
            return new RepoFile(path, Encoding.UTF8.GetString(bytes), tracked);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Add(Diagnostic.Error("repo/unreadable", SourceLocation.InFile(path), $"cannot read {path}: {e.Message}", "check the file's permissions"));
            return null;
        }
    }

    /// <summary>The Kubernetes objects in one YAML file; documents without apiVersion and kind are data (e.g. Helm values).</summary>
    public static IEnumerable<Manifest> Parse(string path, string text, DiagnosticBag diagnostics)
    {
        var documents = YamlDocuments.Parse(text, path, diagnostics);
        var result = new List<Manifest>();
        for (var index = 0; index < documents.Count; index++)
        {
            var positions = new Dictionary<string, Mark>(StringComparer.Ordinal);
            JsonNode? body;
            try { body = YamlJson.ToJson(documents[index].RootNode, positions); }
            catch (FormatException e)
            {
                diagnostics.Add(Diagnostic.Error("yaml/syntax", YamlDocuments.At(path, documents[index].RootNode), e.Message, "simplify the document"));
                continue;
            }
            if (body is JsonObject obj && Manifest.Text(obj["apiVersion"]) is not null && Manifest.Text(obj["kind"]) is not null)
                result.Add(new Manifest(path, index, obj, positions));
        }
        return result;
    }

    /// <summary>A single-document settings file (bootstrap-config.yaml), kept with its positions.</summary>
    private static Manifest? Single(string path, string text, DiagnosticBag diagnostics)
    {
        var documents = YamlDocuments.Parse(text, path, diagnostics);
        if (documents.Count != 1) return null;
        var positions = new Dictionary<string, Mark>(StringComparer.Ordinal);
        try
        {
            return YamlJson.ToJson(documents[0].RootNode, positions) is JsonObject body ? new Manifest(path, 0, body, positions) : null;
        }
        catch (FormatException e)
        {
            diagnostics.Add(Diagnostic.Error("yaml/syntax", SourceLocation.InFile(path), e.Message, "simplify the document"));
            return null;
        }
    }
}

/// <summary>The patterns of a .homeopsignore file.</summary>
public sealed class Ignore(IReadOnlyList<System.Text.RegularExpressions.Regex> patterns)
{
    public static Ignore Parse(string text) => new(text.Split('\n')
        .Select(l => l.Trim())
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Select(l => new System.Text.RegularExpressions.Regex(
            "^" + System.Text.RegularExpressions.Regex.Escape(l.TrimStart('/')).Replace("\\*", "[^/]*") + (l.EndsWith('/') ? "" : "$")))
        .ToList());

    public bool Matches(string path) => patterns.Any(p => p.IsMatch(path));
}
