using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using HomeOps.Compile.Flux;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using HomeOps.Validate.Engine;
using HomeOps.Validate.Schema;
using Json.Schema;

namespace HomeOps.Validate.Rules.Schema;

/// <summary>
/// Every Kubernetes object against its type: built-in kinds strictly against the official models and
/// the API versions the cluster's Kubernetes release serves, custom resources against their CRD JSON
/// schemas (crds/&lt;group&gt;/&lt;kind&gt;_&lt;version&gt;.json under --schema-location), and one note per kind
/// nothing describes. Each document is judged as Flux applies it (patched, substituted) when a build
/// reaches it, else as written; a value that still holds an unresolved variable (${...}) or a SOPS
/// ENC[...] value is not judged, and a SOPS document's "sops" block is allowed.
/// </summary>
public sealed class SchemaRules : IRuleSet
{
    public const string Kubernetes = "schema/kubernetes";
    public const string Crd = "schema/crd";
    public const string UnknownKind = "schema/unknown-kind";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(Kubernetes, Severity.Error, "A built-in kind has an unknown field, a wrong type or an apiVersion the cluster's Kubernetes release does not serve."),
        new(Crd, Severity.Error, "A custom resource does not validate against its CRD schema (an unknown field is a warning: the schema may be older than the CRD)."),
        new(UnknownKind, Severity.Info, "A kind with no schema available (one note per kind): its documents were not checked."),
    ];

    /// <summary>kustomize's own kustomization.yaml is build input, never applied to the cluster.</summary>
    private const string KustomizeGroup = "kustomize.config.k8s.io";

    /// <summary>Strict deserialization stops at the first problem; removing it and retrying finds the rest, up to this many.</summary>
    private const int MaxFindingsPerDocument = 20;

    public void Check(RepoModel repo, RuleContext context)
    {
        var release = Release.Of(repo, context.Settings);
        var documents = repo.Manifests.Where(m => m.Group != KustomizeGroup)
            .Select(m => (AsWritten: m, Instances: repo.InstancesOf(m).Select(Judged).ToList())).ToList();
        var custom = context.Enabled(Crd) || context.Enabled(UnknownKind)
            ? new CrdSchemas(context, documents.Where(d => !KubernetesTypes.IsBuiltInGroup(d.AsWritten.Group)).SelectMany(d => d.Instances))
            : null;
        var reported = new ConcurrentDictionary<(SourceLocation, string), byte>();
        var notChecked = new ConcurrentDictionary<(string ApiVersion, string Kind), ConcurrentBag<Manifest>>();
        void Report(string rule, SourceLocation at, string message, string? hint, Severity? severity = null)
        {
            if (reported.TryAdd((at, rule + message), 0)) context.Report(rule, at, message, hint, severity);
        }
        Parallel.ForEach(documents, document =>
        {
            foreach (var instance in document.Instances)
            {
                if (KubernetesTypes.IsBuiltInGroup(instance.Group))
                {
                    if (context.Enabled(Kubernetes)) CheckBuiltIn(instance, release, Report);
                }
                else if (custom is not null && !CheckCustom(instance, custom, repo.Charts, Report))
                    notChecked.GetOrAdd((instance.ApiVersion, instance.Kind), _ => []).Add(document.AsWritten);
            }
        });
        foreach (var ((apiVersion, kind), found) in notChecked.OrderBy(u => u.Key.ApiVersion, StringComparer.Ordinal).ThenBy(u => u.Key.Kind, StringComparer.Ordinal))
        {
            var first = found.Distinct().OrderBy(m => m.File, StringComparer.Ordinal).ThenBy(m => m.Index).ToList();
            var (_, origin) = custom!.For(first[0]);
            context.Report(UnknownKind, first[0].At("/kind"),
                $"no schema for {kind} {apiVersion}: {first.Count} document{(first.Count == 1 ? "" : "s")} not checked (tried {origin})",
                "add the CRD's JSON schema to a --schema-location (crds/<group>/<kind>_<version>.json), or check the apiVersion");
        }
    }

    /// <summary>The object as the schema should see it: a SOPS document without its sops block (the decrypted object has none).</summary>
    private static Manifest Judged(Manifest instance)
    {
        if (!Sops.HasMetadata(instance.Body)) return instance;
        var body = (JsonObject)instance.Body.DeepClone();
        body.Remove("sops");
        return instance.Rendered(body);
    }

    /// <summary>True when the value at the pointer is not known yet: it holds a variable Flux did not (or could not) resolve, or SOPS ciphertext.</summary>
    public static bool Unresolved(JsonNode? body, string pointer)
    {
        var node = Resolve(body, pointer);
        if (Manifest.Text(node) is { } text) return text.Contains("${", StringComparison.Ordinal) || text.StartsWith("ENC[", StringComparison.Ordinal);
        // an unknown field named by a variable
        var last = pointer.LastIndexOf('/');
        return last >= 0 && pointer[(last + 1)..].Contains("${", StringComparison.Ordinal);
    }

    private static JsonNode? Resolve(JsonNode? node, string pointer)
    {
        if (pointer.Length == 0) return node;
        foreach (var raw in pointer[1..].Split('/'))
        {
            var token = raw.Replace("~1", "/").Replace("~0", "~");
            node = node switch
            {
                JsonObject o => o[token],
                JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
                _ => null,
            };
        }
        return node;
    }

    private delegate void Reporter(string rule, SourceLocation at, string message, string? hint, Severity? severity = null);

    /// <summary>The cluster's release as the rule judges it, and how it was found.</summary>
    private sealed record Release(int Minor, string Described)
    {
        public static Release Of(RepoModel repo, ValidationSettings settings)
        {
            var table = ServedApis.Table;
            var found = settings.KubernetesVersion is { } given
                ? new ClusterVersion(given, SourceLocation.InFile("--kubernetes-version"), "--kubernetes-version")
                : ClusterVersions.Detect(repo);
            if (found is null) return new Release(table.Newest, $"Kubernetes v1.{table.Newest} (the newest release homeops knows: the repository does not say which it runs; set --kubernetes-version)");
            var row = table.RowFor(found.Version);
            return new Release(row, row == found.Version.Minor
                ? $"Kubernetes {found.Version.Line} ({found.Source})"
                : $"Kubernetes {found.Version.Line} ({found.Source}; judged as v1.{row}, the {(row < found.Version.Minor ? "newest" : "oldest")} release homeops knows)");
        }
    }

    private static void CheckBuiltIn(Manifest manifest, Release release, Reporter report)
    {
        var model = KubernetesTypes.ModelOf(manifest.ApiVersion, manifest.Kind);
        if (!ServedApis.Table.IsServed(manifest.ApiVersion, manifest.Kind, release.Minor))
        {
            var served = KubernetesTypes.ServedVersionsOf(manifest.Group, manifest.Kind, release.Minor).ToList();
            report(Kubernetes, manifest.At("/apiVersion"),
                $"{manifest.Kind} {manifest.ApiVersion} is not served by {release.Described}",
                served.Count > 0 ? $"use apiVersion {string.Join(" or ", served)}"
                    : Suggest.Nearest(manifest.Kind, KubernetesTypes.KindsOf(manifest.ApiVersion)) is { } near && near != manifest.Kind ? $"did you mean kind {near}?"
                    : $"check the kind and apiVersion against the API reference of the release; a beta API needs --runtime-config on the API server");
            return;
        }
        if (model is null)
        {
            // A kind the table lists (newer than the models) or a version the models lack entirely is served but not described.
            if (ServedApis.Table.ListsKind(manifest.ApiVersion, manifest.Kind) || !KubernetesTypes.KindsOf(manifest.ApiVersion).Any()) return;
            var elsewhere = KubernetesTypes.ServedVersionsOf(manifest.Group, manifest.Kind, release.Minor).ToList();
            report(Kubernetes, manifest.At("/kind"), $"{manifest.ApiVersion} has no kind {manifest.Kind} in {release.Described}",
                elsewhere.Count > 0 ? $"use apiVersion {string.Join(" or ", elsewhere)}"
                    : Suggest.Nearest(manifest.Kind, KubernetesTypes.KindsOf(manifest.ApiVersion)) is { } near ? $"did you mean kind {near}? A custom resource needs its CRD's group in apiVersion (e.g. monitoring.coreos.com/v1 for a ServiceMonitor)"
                    : "a custom resource needs its CRD's group in apiVersion (e.g. monitoring.coreos.com/v1 for a ServiceMonitor)");
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
                if (!Unresolved(manifest.Body, pointer))
                {
                    var unknown = e.Message.Contains("could not be mapped", StringComparison.Ordinal);
                    report(Kubernetes, manifest.At(pointer), $"{manifest.Kind} {manifest.Name}: {(unknown ? UnknownFieldMessage(manifest, pointer) : Describe(e, pointer))}",
                        unknown
                            ? (BuiltInNear(model, pointer) is { } near ? $"did you mean '{near}'? (else remove the field)" : "remove the field or fix its spelling (see the Kubernetes API reference)")
                            : "use the value type the field expects");
                }
                if (!StrictPath.Remove(body, pointer)) return;
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException)
            {
                report(Kubernetes, manifest.At(), $"{manifest.Kind} {manifest.Name}: {e.Message}", null);
                return;
            }
        }
    }

    /// <summary>"unknown field 'x' in Kind.spec.list[] (group/version)".</summary>
    private static string UnknownFieldMessage(Manifest manifest, string pointer)
    {
        var last = pointer.LastIndexOf('/');
        var field = pointer[(last + 1)..].Replace("~1", "/").Replace("~0", "~");
        return $"unknown field '{field}' in {manifest.Kind}{Dotted(pointer[..last])} ({manifest.ApiVersion})";
    }

    /// <summary>".spec.receivers[].pushoverConfigs[]" for "/spec/receivers/2/pushoverConfigs/0".</summary>
    private static string Dotted(string pointer) =>
        string.Concat(pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(t => int.TryParse(t, out _) ? "[]" : "." + t.Replace("~1", "/").Replace("~0", "~")));

    private static string Describe(JsonException e, string pointer) =>
        e.Message.Contains("missing required properties", StringComparison.Ordinal) ? $"{pointer.TrimStart('/').Replace('/', '.')}: {e.Message.Split(". Path:")[0]}"
        : $"{pointer.TrimStart('/').Replace('/', '.')}: wrong type ({e.Message.Split(". Path:")[0]})";

    /// <summary>The closest field name the model allows where an unknown one was written.</summary>
    private static string? BuiltInNear(Type model, string pointer)
    {
        var tokens = pointer.Split('/', StringSplitOptions.RemoveEmptyEntries);
        Type? type = model;
        foreach (var token in tokens[..^1])
        {
            if (type is null) return null;
            type = Element(type) is { } element ? element
                : type.GetProperties().FirstOrDefault(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name == token)?.PropertyType;
            if (type is not null && Nullable.GetUnderlyingType(type) is { } underlying) type = underlying;
        }
        if (type is null) return null;
        var names = type.GetProperties().Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name).OfType<string>();
        return Suggest.Nearest(tokens[^1], names);
    }

    private static Type? Element(Type type) =>
        type.IsGenericType && type.GetGenericArguments() is { Length: 1 } one && typeof(System.Collections.IEnumerable).IsAssignableFrom(type) ? one[0]
        : type.IsGenericType && type.GetGenericArguments() is { Length: 2 } two && two[0] == typeof(string) ? two[1]
        : null;

    /// <summary>Checks a custom resource; false when no schema describes it.</summary>
    private static bool CheckCustom(Manifest manifest, CrdSchemas crds, IReadOnlyList<InstalledChart> charts, Reporter report)
    {
        // the names become a file path or URL: ones the API server would refuse are never looked up
        if (SchemaPaths.CrdProblem(manifest.Group, manifest.Version, manifest.Kind) is { } bad)
        {
            report(Crd, manifest.At("/apiVersion"), $"{manifest.Kind} {manifest.ApiVersion}: {bad}; no schema was looked up",
                "fix apiVersion (group/version) and kind; Kubernetes refuses these names too");
            return true;
        }
        CrdDescription? schema;
        string origin;
        try { (schema, origin) = crds.For(manifest); }
        catch (SchemaSourceException e)
        {
            report(Crd, manifest.At("/kind"), $"{manifest.Kind} {manifest.ApiVersion} was not checked: its schema could not be fetched safely: {e.Message}",
                "check the network (TLS interception, a proxy), or pass --schema-location DIR with the CRD schemas");
            return true;
        }
        if (schema is null) return false;
        foreach (var error in SchemaCheck.Evaluate(schema.Compiled, manifest.Body))
        {
            if (Unresolved(manifest.Body, error.InstancePath)) continue;
            if (error.UnknownField)
            {
                var last = error.InstancePath.LastIndexOf('/');
                var field = error.InstancePath[(last + 1)..].Replace("~1", "/").Replace("~0", "~");
                // a field upstream added after the schema was built: known, so judged by its type once a chart that has it is installed
                var added = CrdFieldAdditions.Find(manifest, Dotted(error.InstancePath[..last]), field);
                if (added is not null && added.InstalledBy(charts))
                {
                    if (!added.Accepts(Resolve(manifest.Body, error.InstancePath)))
                        report(Crd, manifest.At(error.InstancePath), $"{manifest.Kind} {manifest.Name} {Dotted(error.InstancePath)[1..]}: should be {added.Type}",
                            $"compare with the CRD's schema for {manifest.ApiVersion} ({added.FirstVersions} and newer)");
                    continue;
                }
                var near = Suggest.Nearest(field, schema.FieldsAt(error.InstancePath[..last]));
                report(Crd, manifest.At(error.InstancePath), $"{manifest.Kind} {manifest.Name}: {UnknownFieldMessage(manifest, error.InstancePath)}, not in the schema from {origin}",
                    added is not null
                        ? $"{added.FirstVersions} added this field: if the cluster runs that or newer, pin that chart version where homeops can read it (HelmRelease chart.spec.version or the OCIRepository's ref.tag), else remove the field"
                        : (near is null ? "remove the field or fix its spelling" : $"did you mean '{near}'? (else remove the field)")
                          + "; if the field is new, the schema is older than the CRD the cluster runs: update it",
                    Severity.Warning);
                continue;
            }
            report(Crd, manifest.At(error.InstancePath), $"{manifest.Kind} {manifest.Name}{(error.InstancePath.Length == 0 ? "" : " " + Dotted(error.InstancePath)[1..])}: {error.Message}",
                $"compare with the CRD's schema for {manifest.ApiVersion}");
        }
        return true;
    }

    /// <summary>A CRD schema compiled for a run, and the whole schema for did-you-mean hints.</summary>
    private sealed record CrdDescription(JsonSchema Compiled, JsonNode Full)
    {
        /// <summary>The field names the schema allows at an instance pointer (following properties, items and additionalProperties).</summary>
        public IEnumerable<string> FieldsAt(string pointer)
        {
            JsonNode? node = Full;
            foreach (var token in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(t => t.Replace("~1", "/").Replace("~0", "~")))
                node = node?["properties"]?[token] ?? (int.TryParse(token, out _) ? node?["items"] : null) ?? node?["additionalProperties"] as JsonObject;
            return (node?["properties"] as JsonObject ?? []).Select(p => p.Key);
        }
    }

    /// <summary>
    /// One compiled schema per CRD kind and version in the run, pruned to the fields the run's
    /// documents of that kind use (CrdSchema.PruneFor), compiled on first use.
    /// </summary>
    private sealed class CrdSchemas
    {
        private readonly SchemaCheck _compiler = new();
        private readonly Lock _gate = new();
        private readonly Dictionary<string, Lazy<(CrdDescription?, string)>> _byPath;

        public CrdSchemas(RuleContext context, IEnumerable<Manifest> documents) =>
            _byPath = documents.Where(m => PathOf(m) is not null).GroupBy(m => PathOf(m)!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => new Lazy<(CrdDescription?, string)>(() =>
            {
                var (text, origin) = context.Schemas.Find(g.Key);
                if (text is null) return (null, origin);
                if (CrdSchema.NormalizedTree(text) is not { } full) return (null, origin);
                var pruned = CrdSchema.PruneFor(full, g.Select(m => (JsonNode?)m.Body).ToList());
                lock (_gate) return (new CrdDescription(_compiler.Register(pruned.ToJsonString(), new Uri($"https://homeops.invalid/{g.Key}")), full), origin);
            }), StringComparer.Ordinal);

        /// <summary>The schema for the manifest's kind; none for names <see cref="SchemaPaths.CrdProblem"/> refuses (never looked up).</summary>
        public (CrdDescription? Schema, string Origin) For(Manifest manifest) =>
            PathOf(manifest) is { } path
                ? _byPath.TryGetValue(path, out var found) ? found.Value : (null, path)
                : (null, $"no schema path for {manifest.ApiVersion} {manifest.Kind}");

        private static string? PathOf(Manifest m) => SchemaPaths.Crd(m.Group, m.Version, m.Kind);
    }
}
