using System.Text.Json;
using System.Text.Json.Nodes;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using HomeOps.Validate.Engine;
using HomeOps.Validate.Schema;
using Json.Schema;

namespace HomeOps.Validate.Rules.Schema;

/// <summary>
/// Every Kubernetes object against its type: built-in kinds strictly against the official models,
/// custom resources against their CRD JSON schemas (crds/&lt;group&gt;/&lt;kind&gt;_&lt;version&gt;.json under
/// --schema-location), and a warning for kinds nothing describes.
/// </summary>
public sealed class SchemaRules : IRuleSet
{
    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new("schema/kubernetes", Severity.Error, "A built-in kind has an unknown field, a wrong type or an apiVersion Kubernetes v1.31 does not serve."),
        new("schema/crd", Severity.Error, "A custom resource does not validate against its CRD schema."),
        new("schema/unknown-kind", Severity.Warning, "A kind with no schema available: it was not checked."),
    ];

    /// <summary>kustomize's own kustomization.yaml is build input, never applied to the cluster.</summary>
    private const string KustomizeGroup = "kustomize.config.k8s.io";

    /// <summary>Strict deserialization stops at the first problem; removing it and retrying finds the rest, up to this many.</summary>
    private const int MaxFindingsPerDocument = 20;

    public void Check(RepoModel repo, RuleContext context)
    {
        var manifests = repo.Manifests.Where(m => m.Group != KustomizeGroup).ToList();
        var custom = context.Enabled("schema/crd") || context.Enabled("schema/unknown-kind")
            ? new CrdSchemas(context, manifests.Where(m => !KubernetesTypes.IsBuiltInGroup(m.Group)))
            : null;
        Parallel.ForEach(manifests, manifest =>
        {
            if (KubernetesTypes.IsBuiltInGroup(manifest.Group))
            {
                if (context.Enabled("schema/kubernetes")) CheckBuiltIn(manifest, context);
            }
            else if (custom is not null) CheckCustom(manifest, custom, context);
        });
    }

    private static void CheckBuiltIn(Manifest manifest, RuleContext context)
    {
        if (!KubernetesTypes.IsServed(manifest.ApiVersion) || KubernetesTypes.ModelOf(manifest.ApiVersion, manifest.Kind) is not { } model)
        {
            var served = KubernetesTypes.ServedVersionsOf(manifest.Group, manifest.Kind).ToList();
            context.Report("schema/kubernetes", manifest.At("/apiVersion"),
                $"{manifest.Kind} {manifest.ApiVersion} is not served by Kubernetes v1.31",
                served.Count > 0 ? $"use apiVersion {string.Join(" or ", served)}"
                    : Suggest.Nearest(manifest.Kind, KubernetesTypes.KindsOf(manifest.ApiVersion)) is { } near ? $"did you mean kind {near}?"
                    : "check the kind and apiVersion against the Kubernetes v1.31 API reference");
            return;
        }
        var body = (JsonObject)manifest.Body.DeepClone();
        for (var found = 0; found < MaxFindingsPerDocument; found++)
        {
            try
            {
                body.Deserialize(model, KubernetesTypes.Strict);
                return;
            }
            catch (JsonException e) when (e.Path is not null)
            {
                var pointer = StrictPath.ToPointer(e.Path);
                context.Report("schema/kubernetes", manifest.At(pointer), $"{manifest.Kind} {manifest.Name}: {Describe(e, pointer)}",
                    e.Message.Contains("could not be mapped", StringComparison.Ordinal)
                        ? "remove the field or fix its spelling (see the Kubernetes v1.31 API reference)"
                        : "use the value type the field expects");
                if (!StrictPath.Remove(body, pointer)) return;
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException)
            {
                context.Report("schema/kubernetes", manifest.At(), $"{manifest.Kind} {manifest.Name}: {e.Message}");
                return;
            }
        }
    }

    private static string Describe(JsonException e, string pointer) =>
        e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? $"unknown field '{pointer.TrimStart('/').Replace('/', '.')}'"
        : e.Message.Contains("missing required properties", StringComparison.Ordinal) ? $"{pointer.TrimStart('/').Replace('/', '.')}: {e.Message.Split(". Path:")[0]}"
        : $"{pointer.TrimStart('/').Replace('/', '.')}: wrong type ({e.Message.Split(". Path:")[0]})";

    private static void CheckCustom(Manifest manifest, CrdSchemas crds, RuleContext context)
    {
        // the names become a file path or URL: ones the API server would refuse are never looked up
        if (SchemaPaths.CrdProblem(manifest.Group, manifest.Version, manifest.Kind) is { } bad)
        {
            if (context.Enabled("schema/crd"))
                context.Report("schema/crd", manifest.At("/apiVersion"), $"{manifest.Kind} {manifest.ApiVersion}: {bad}; no schema was looked up",
                    "fix apiVersion (group/version) and kind; Kubernetes refuses these names too");
            return;
        }
        JsonSchema? schema;
        string origin;
        try { (schema, origin) = crds.For(manifest); }
        catch (SchemaSourceException e)
        {
            context.Report("schema/crd", manifest.At("/kind"), $"{manifest.Kind} {manifest.ApiVersion} was not checked: its schema could not be fetched safely: {e.Message}",
                "check the network (TLS interception, a proxy), or pass --schema-location DIR with the CRD schemas");
            return;
        }
        if (schema is null)
        {
            context.Report("schema/unknown-kind", manifest.At("/kind"), $"no schema for {manifest.Kind} {manifest.ApiVersion} (tried {origin}); not checked",
                "add the CRD's JSON schema to a --schema-location (crds/<group>/<kind>_<version>.json), or check the apiVersion");
            return;
        }
        foreach (var error in SchemaCheck.Evaluate(schema, manifest.Body))
            context.Report("schema/crd", manifest.At(error.InstancePath), $"{manifest.Kind} {manifest.Name}{(error.InstancePath.Length == 0 ? "" : " " + error.InstancePath)}: {error.Message}",
                "compare with the CRD's schema for this apiVersion");
    }

    /// <summary>
    /// One compiled schema per CRD kind and version in the run, pruned to the fields the run's
    /// documents of that kind use (CrdSchema.PruneFor), compiled on first use.
    /// </summary>
    private sealed class CrdSchemas
    {
        private readonly SchemaCheck _compiler = new();
        private readonly Dictionary<string, Lazy<(JsonSchema?, string)>> _byPath;

        public CrdSchemas(RuleContext context, IEnumerable<Manifest> documents) =>
            _byPath = documents.Where(m => PathOf(m) is not null).GroupBy(m => PathOf(m)!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => new Lazy<(JsonSchema?, string)>(() =>
            {
                var (text, origin) = context.Schemas.Find(g.Key);
                if (text is null) return (null, origin);
                var pruned = CrdSchema.PruneFor(JsonNode.Parse(CrdSchema.Normalize(text))!, g.Select(m => (JsonNode?)m.Body).ToList());
                return (_compiler.Register(pruned.ToJsonString(), new Uri($"https://homeops.invalid/{g.Key}")), origin);
            }), StringComparer.Ordinal);

        public (JsonSchema? Schema, string Origin) For(Manifest manifest) => _byPath[PathOf(manifest)!].Value;

        private static string? PathOf(Manifest m) => SchemaPaths.Crd(m.Group, m.Version, m.Kind);
    }
}
