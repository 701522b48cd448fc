using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using YamlDotNet.Core;

namespace HomeOps.Compile.Repository;

/// <summary>
/// The repository's files, already read, into a <see cref="RepoModel"/>: parses every YAML file in
/// parallel and plans talconfig.yaml and bootstrap-config.yaml. Problems become findings; nothing throws.
/// Reading the files is the caller's side effect (the disk adapter); this step is pure but for
/// <see cref="ISourceTree"/>, which follows talconfig's patch references.
/// </summary>
public static class RepoCompiler
{
    /// <summary>Folders that never hold Kubernetes manifests (their YAML is Talos config, CI, docs or test data).</summary>
    private static readonly string[] NotManifests = ["talos/", ".github/", "docs/", "tests/", "bench/", ".build/", "node_modules/"];

    /// <param name="secretScanOnly">Files .homeopsignore keeps out of every rule but the secrets scan, which no ignore file silences.</param>
    public static RepoModel Compile(ISourceTree tree, IReadOnlyList<RepoFile> files, IReadOnlyList<Finding> readFindings, System.Collections.IDictionary environment,
        IReadOnlyList<RepoFile>? secretScanOnly = null)
    {
        var findings = new FindingBag();
        foreach (var finding in readFindings) findings.Add(finding);
        var parsed = new ConcurrentBag<(int Order, ParsedFile File)>();
        Parallel.For(0, files.Count, i =>
        {
            if (files[i].Text is { } text && IsManifestFile(files[i].Path)) parsed.Add((i, ParsedFile.Parse(files[i].Path, text)));
        });
        var ordered = parsed.OrderBy(p => p.Order).Select(p => p.File).ToList();
        foreach (var file in ordered)
        {
            foreach (var problem in file.Problems) findings.Add(problem);
            foreach (var document in file.Documents)
                if (document.Problem is { } problem) findings.Add(problem);
        }
        // Its own bag: the plan is dropped when *its* input has errors, not when some manifest failed to parse.
        var talosFound = new FindingBag();
        var talos = tree.Exists(RepoFiles.TalConfig) ? TalosCompiler.Plan(tree, RepoFiles.TalConfig, environment, talosFound) : null;
        foreach (var d in talosFound.Sorted()) findings.Add(d);
        var bootstrap = files.FirstOrDefault(f => f.Path == RepoFiles.BootstrapConfig)?.Text is { } bootstrapText
            ? Single(RepoFiles.BootstrapConfig, bootstrapText, findings) : null;
        return new RepoModel(tree.Root, tree, files, new RepoDocuments(files, ordered), ordered.SelectMany(f => f.Objects).ToList(),
            talos, bootstrap, findings.Sorted())
        { SecretScanOnly = secretScanOnly ?? [] };
    }

    /// <summary>True for YAML files that may hold Kubernetes objects (not talconfig, bootstrap-config, cluster-spec, docs, tests or CI).</summary>
    public static bool IsManifestFile(string path) =>
        (path.EndsWith(".yaml", StringComparison.Ordinal) || path.EndsWith(".yml", StringComparison.Ordinal))
        && path != RepoFiles.TalConfig && path != RepoFiles.BootstrapConfig && path != RepoFiles.ClusterSpec
        && !NotManifests.Any(p => path.StartsWith(p, StringComparison.Ordinal));

    /// <summary>The Kubernetes objects in one YAML file; documents without apiVersion and kind are data (e.g. Helm values).</summary>
    public static IEnumerable<Manifest> Parse(string path, string text, FindingBag findings)
    {
        var file = ParsedFile.Parse(path, text);
        foreach (var problem in file.Problems.Concat(file.Documents.Select(d => d.Problem).OfType<Finding>())) findings.Add(problem);
        return file.Objects.ToList();
    }

    /// <summary>A single-document settings file (bootstrap-config.yaml), kept with its positions.</summary>
    private static Manifest? Single(string path, string text, FindingBag findings)
    {
        var documents = YamlDocuments.Parse(text, path, findings);
        if (documents.Count != 1) return null;
        var positions = new Dictionary<string, Mark>(StringComparer.Ordinal);
        try
        {
            return YamlJson.ToJson(documents[0].RootNode, positions) is JsonObject body ? new Manifest(path, 0, body, positions) : null;
        }
        catch (FormatException e)
        {
            findings.Add(Finding.Error("yaml/syntax", e is YamlConversionException at ? YamlDocuments.At(path, at.At) : SourceLocation.InFile(path), e.Message, "simplify the document"));
            return null;
        }
    }
}

