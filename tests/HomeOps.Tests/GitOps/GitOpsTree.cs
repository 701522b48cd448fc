using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using HomeOps.Model;
using HomeOps.Model.Yaml;
using HomeOps.Tests.Support;
using HomeOps.Validate.Schema;

namespace HomeOps.Tests.GitOps;

/// <summary>One Kubernetes object as written in a file of the GitOps tree.</summary>
public sealed record Manifest(string File, int Document, JsonObject Json)
{
    public string ApiVersion => Json["apiVersion"]?.GetValue<string>() ?? "";
    public string Kind => Json["kind"]?.GetValue<string>() ?? "";
    public string Name => Json["metadata"]?["name"]?.GetValue<string>() ?? "";
    public string? Namespace => Json["metadata"]?["namespace"]?.GetValue<string>();

    /// <summary>API group; "" for the core group (apiVersion "v1").</summary>
    public string Group => ApiVersion.Contains('/') ? ApiVersion[..ApiVersion.IndexOf('/')] : "";

    public string Version => ApiVersion.Contains('/') ? ApiVersion[(ApiVersion.IndexOf('/') + 1)..] : ApiVersion;

    public override string ToString() => $"{File}#{Document} {Kind} {(Namespace is null ? "" : Namespace + "/")}{Name}";
}

/// <summary>A Flux Kustomization (kustomize.toolkit.fluxcd.io) and what it depends on.</summary>
public sealed record FluxKustomization(Manifest Source)
{
    public string Name => Source.Name;
    public string Namespace => Source.Namespace ?? "flux-system";

    /// <summary>spec.path without the leading "./" (relative to the Git artifact root).</summary>
    public string Path => (Source.Json["spec"]?["path"]?.GetValue<string>() ?? "").TrimStart('.', '/').TrimEnd('/');

    public IReadOnlyList<(string Name, string Namespace)> DependsOn =>
        (Source.Json["spec"]?["dependsOn"] as JsonArray ?? [])
        .Select(d => (d!["name"]!.GetValue<string>(), d["namespace"]?.GetValue<string>() ?? Namespace))
        .ToList();
}

/// <summary>Result of `kubectl kustomize` on one Flux Kustomization's path.</summary>
public sealed record KustomizeBuild(FluxKustomization Kustomization, int ExitCode, string Stdout, string Stderr, IReadOnlyList<JsonObject> Objects);

/// <summary>
/// The GitOps tree (clusters/, infrastructure/, apps/) and talconfig.yaml, read once per test class.
/// Every YAML file is parsed with the project's own parser (HomeOps.Core.Yaml) and converted to JSON.
/// </summary>
public sealed class GitOpsTree
{
    public static readonly string[] TreeRoots = ["clusters", "infrastructure", "apps"];

    public string Root { get; }

    /// <summary>Every *.yaml/*.yml under the tree roots, relative with '/' separators.</summary>
    public IReadOnlyList<string> YamlFiles { get; }

    /// <summary>Parse findings per file (empty when the file parsed).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Finding>> ParseErrors { get; }

    /// <summary>All documents of all YAML files, as JSON (null for an empty document).</summary>
    public IReadOnlyList<(string File, int Document, JsonNode? Json)> Documents { get; }

    /// <summary>Documents that are Kubernetes objects (apiVersion + kind), excluding kustomize's own kustomization.yaml.</summary>
    public IReadOnlyList<Manifest> Manifests { get; }

    public IReadOnlyList<FluxKustomization> Kustomizations { get; }

    public JsonObject TalConfig { get; }

    private readonly Lazy<IReadOnlyDictionary<string, KustomizeBuild>> _builds;

    public GitOpsTree()
    {
        var root = Repo.Root;
        Root = root;
        YamlFiles = TreeRoots
            .Where(r => Directory.Exists(System.IO.Path.Combine(root, r)))
            .SelectMany(r => Directory.EnumerateFiles(System.IO.Path.Combine(root, r), "*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Select(f => System.IO.Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

        var errors = new Dictionary<string, IReadOnlyList<Finding>>();
        var documents = new List<(string, int, JsonNode?)>();
        foreach (var file in YamlFiles)
        {
            var bag = new FindingBag();
            var docs = YamlDocuments.Parse(File.ReadAllText(System.IO.Path.Combine(root, file)), file, bag);
            errors[file] = bag.Sorted();
            for (var i = 0; i < docs.Count; i++) documents.Add((file, i, YamlJson.ToJson(docs[i].RootNode)));
        }
        ParseErrors = errors;
        Documents = documents;
        Manifests = documents
            .Where(d => d.Item3 is JsonObject o && o["apiVersion"] is JsonValue && o["kind"] is JsonValue)
            .Select(d => new Manifest(d.Item1, d.Item2, (JsonObject)d.Item3!))
            .Where(m => m.Group != "kustomize.config.k8s.io")
            .ToList();
        Kustomizations = Manifests
            .Where(m => m.Group == "kustomize.toolkit.fluxcd.io" && m.Kind == "Kustomization")
            .Select(m => new FluxKustomization(m))
            .ToList();
        TalConfig = (JsonObject)ParseYamlFile(System.IO.Path.Combine(root, "talconfig.yaml")).Single()!;
        _builds = new Lazy<IReadOnlyDictionary<string, KustomizeBuild>>(BuildAll);
    }

    public FluxKustomization Kustomization(string name) =>
        Kustomizations.SingleOrDefault(k => k.Name == name) ?? throw new Xunit.Sdk.XunitException($"no Flux Kustomization named {name} in the tree");

    public IEnumerable<Manifest> OfKind(string kind) => Manifests.Where(m => m.Kind == kind);

    /// <summary>`kubectl kustomize` output of every Flux Kustomization, keyed by name; built once, in parallel.</summary>
    public IReadOnlyDictionary<string, KustomizeBuild> Builds => _builds.Value;

    public static IReadOnlyList<JsonNode?> ParseYamlText(string text, string file)
    {
        var bag = new FindingBag();
        var docs = YamlDocuments.Parse(text, file, bag);
        if (bag.HasErrors) throw new Xunit.Sdk.XunitException(string.Join("\n", bag.Sorted()));
        return docs.Select(d => YamlJson.ToJson(d.RootNode)).ToList();
    }

    public static IReadOnlyList<JsonNode?> ParseYamlFile(string path) => ParseYamlText(File.ReadAllText(path), path);

    /// <summary>
    /// The top-level folders Flux's GitRepository artifact contains. Flux's source-controller applies
    /// spec.ignore (gitignore syntax) to the checkout; the tree uses only the "/*" + "!/dir" idiom,
    /// which is evaluated here (any other pattern fails loudly rather than being misread).
    /// </summary>
    public IReadOnlyList<string> ArtifactFolders()
    {
        var repo = Manifests.Single(m => m.Kind == "GitRepository" && m.Name == "flux-system");
        var ignore = repo.Json["spec"]?["ignore"]?.GetValue<string>();
        if (ignore is null) return TreeRoots;
        var included = new List<string>();
        var excludeAll = false;
        foreach (var raw in ignore.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line == "/*") excludeAll = true;
            else if (line.StartsWith("!/", StringComparison.Ordinal) && !line[2..].Contains('/') && !line.Contains('*')) included.Add(line[2..]);
            else throw new Xunit.Sdk.XunitException($"GitRepository flux-system spec.ignore pattern '{line}' is not understood by this test; extend ArtifactFolders");
        }
        if (!excludeAll) throw new Xunit.Sdk.XunitException("GitRepository flux-system spec.ignore does not start with /*; extend ArtifactFolders");
        return included;
    }

    private IReadOnlyDictionary<string, KustomizeBuild> BuildAll()
    {
        // Flux builds spec.path inside the GitRepository artifact, which holds only the folders
        // spec.ignore lets through: copy exactly those, so a path that reaches outside them fails here too.
        var artifact = Directory.CreateTempSubdirectory("homeops-flux-artifact-").FullName;
        foreach (var folder in ArtifactFolders())
            if (Directory.Exists(System.IO.Path.Combine(Root, folder)))
                Repo.CopyDirectory(System.IO.Path.Combine(Root, folder), System.IO.Path.Combine(artifact, folder));
        var results = new ConcurrentDictionary<string, KustomizeBuild>();
        try
        {
            Parallel.ForEach(Kustomizations, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, k =>
            {
                var dir = System.IO.Path.Combine(artifact, k.Path);
                var run = Directory.Exists(dir)
                    ? Support.Process.Run("kubectl", artifact, "kustomize", k.Path.Length == 0 ? "." : k.Path)
                    : new ProcessResult(-1, "", $"path ./{k.Path} does not exist in the Flux artifact (folders: {string.Join(", ", ArtifactFolders())})");
                IReadOnlyList<JsonObject> objects = [];
                if (run.ExitCode == 0)
                    objects = ParseYamlText(run.Stdout, $"kustomize build {k.Path}").OfType<JsonObject>().ToList();
                results[k.Name] = new KustomizeBuild(k, run.ExitCode, run.Stdout, run.Stderr, objects);
            });
        }
        finally
        {
            try { Directory.Delete(artifact, recursive: true); } catch (IOException) { }
        }
        return results;
    }

    /// <summary>All string values under a JSON node, with their JSON paths.</summary>
    public static IEnumerable<(string Path, string Value)> Strings(JsonNode? node, string path = "")
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                    foreach (var s in Strings(v, $"{path}.{k}")) yield return s;
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    foreach (var s in Strings(a[i], $"{path}[{i}]")) yield return s;
                break;
            case JsonValue v when v.TryGetValue<string>(out var text):
                yield return (path, text);
                break;
        }
    }

    /// <summary>All objects under a JSON node (the node itself included), with their JSON paths.</summary>
    public static IEnumerable<(string Path, JsonObject Object)> Objects(JsonNode? node, string path = "")
    {
        switch (node)
        {
            case JsonObject o:
                yield return (path, o);
                foreach (var (k, v) in o)
                    foreach (var s in Objects(v, $"{path}.{k}")) yield return s;
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    foreach (var s in Objects(a[i], $"{path}[{i}]")) yield return s;
                break;
        }
    }

    public static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}

/// <summary>CRD schemas compiled once per file, through the product's own normalization.</summary>
public static class CrdSchemas
{
    private static readonly ConcurrentDictionary<string, Json.Schema.JsonSchema> Cache = new();

    public static Json.Schema.JsonSchema Load(string path) =>
        Cache.GetOrAdd(path, p => new SchemaCheck().Register(CrdSchema.Normalize(File.ReadAllText(p)), new Uri(p)));
}
