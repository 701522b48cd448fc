using System.Text.Json.Nodes;
using HomeOps.Adapters.Files;
using HomeOps.Adapters.Schemas;
using HomeOps.Compile.Flux;
using HomeOps.Compile.Repository;
using HomeOps.Model.Repository;
using HomeOps.Tests.Support;
using HomeOps.Validate.Engine;

namespace HomeOps.Tests.GitOps;

/// <summary>
/// The reference repository as the product reads it, once per test class: the loaded model, its Flux
/// model (the product's own builds, the Flux Kustomizations it reaches) and talconfig.yaml. The tests
/// judge the reference repository through these, never through a second model of Flux of their own.
/// </summary>
public sealed class ReferenceTree
{
    /// <summary>The folders that hold the GitOps tree.</summary>
    public static readonly string[] TreeRoots = ["clusters", "infrastructure", "apps"];

    public ReferenceTree()
    {
        Root = Repo.Root;
        Model = new DiskRepository(new GitCli()).Load(Root, new Dictionary<string, string>());
        Manifests = Model.Manifests.Where(m => TreeRoots.Any(r => m.File.StartsWith(r + "/", StringComparison.Ordinal)) && m.Group != "kustomize.config.k8s.io").ToList();
        // as the cluster gets them: built and substituted by Flux (cluster-settings)
        Applied = Model.Cluster.Objects.Where(m => TreeRoots.Any(r => m.File.StartsWith(r + "/", StringComparison.Ordinal)) && m.Group != "kustomize.config.k8s.io").ToList();
        TalConfig = (JsonObject)ParseYamlFile(Path.Combine(Root, RepoFiles.TalConfig)).Single()!;
    }

    public string Root { get; }

    private ValidationReport? _report;

    /// <summary>Every rule of the product over the reference repository (run once).</summary>
    public ValidationReport Report => LazyInitializer.EnsureInitialized(ref _report, () =>
    {
        var validator = new Validator(RuleCatalog.All());
        return validator.Run(Model, validator.Select([], []), new SchemaStore([Repo.Schemas], Path.Combine(Path.GetTempPath(), "homeops-test-schema-cache")), TimeSpan.Zero);
    });

    /// <summary>The findings of the named rules.</summary>
    public IReadOnlyList<HomeOps.Model.Finding> Findings(params string[] rules) => Report.Findings.Where(f => rules.Contains(f.Rule)).ToList();

    public RepoModel Model { get; }

    public FluxModel Flux => Model.Flux;

    /// <summary>Every Kubernetes object written under the tree roots (kustomization files excluded), as written.</summary>
    public IReadOnlyList<Manifest> Manifests { get; }

    public JsonObject TalConfig { get; }

    /// <summary>Every YAML file under the tree roots, relative with '/'.</summary>
    public IEnumerable<string> YamlFiles => Model.Files.Select(f => f.Path)
        .Where(p => TreeRoots.Any(r => p.StartsWith(r + "/", StringComparison.Ordinal)) && RepoPaths.IsYaml(p)).Order(StringComparer.Ordinal);

    /// <summary>The tree's objects as Flux applies them (patched, substituted); <see cref="Manifests"/> holds them as written.</summary>
    public IReadOnlyList<Manifest> Applied { get; }

    /// <summary>The applied objects of one kind: values as the cluster sees them.</summary>
    public IEnumerable<Manifest> OfKind(string kind) => Applied.Where(m => m.Kind == kind);

    /// <summary>The Flux Kustomizations the product reaches from the root.</summary>
    public IReadOnlyList<FluxKustomization> Kustomizations => Flux.Kustomizations;

    public FluxKustomization Kustomization(string name) =>
        Flux.Kustomizations.SingleOrDefault(k => k.Name == name) ?? throw new Xunit.Sdk.XunitException($"the product reaches no Flux Kustomization named {name}");

    /// <summary>A Flux Kustomization's dependsOn entries (name, namespace; the namespace defaults to its own).</summary>
    public static IReadOnlyList<(string Name, string Namespace)> DependsOn(FluxKustomization k) =>
        Manifest.Items(k.Object.Body["spec"].Field("dependsOn"))
            .Select(d => (Manifest.Text(d.Item.Field("name"))!, Manifest.Text(d.Item.Field("namespace")) ?? k.Key.Namespace))
            .ToList();

    /// <summary>spec.path as the product resolved it ("" for the root).</summary>
    public static string PathOf(FluxKustomization k) => FluxModel.PathOf(k.Object) ?? throw new Xunit.Sdk.XunitException($"{k.Key} has a path outside the repository");

    public static IReadOnlyList<JsonNode?> ParseYamlText(string text, string file)
    {
        var parsed = ParsedFile.Parse(file, text);
        if (parsed.Failed || parsed.Documents.Any(d => d.Problem is not null))
            throw new Xunit.Sdk.XunitException(string.Join("\n", parsed.Problems.Concat(parsed.Documents.Select(d => d.Problem).OfType<HomeOps.Model.Finding>())));
        return parsed.Documents.Select(d => d.Body).ToList();
    }

    public static IReadOnlyList<JsonNode?> ParseYamlFile(string path) => ParseYamlText(File.ReadAllText(path), path);

    public static string? Str(JsonNode? node) => Manifest.Text(node);

    public static string Show(Manifest m) => $"{m.File}#{m.Index} {m.Kind} {(m.Namespace is null ? "" : m.Namespace + "/")}{m.Name}";

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
}
