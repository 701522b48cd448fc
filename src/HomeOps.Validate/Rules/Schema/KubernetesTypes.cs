using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace HomeOps.Validate.Rules.Schema;

/// <summary>
/// The built-in Kubernetes kinds, from KubernetesClient's generated models (the official OpenAPI
/// types), limited to the API versions a v1.31 API server serves. A kind is built-in when its
/// group is one of Kubernetes' own; such objects are deserialized strictly into their model type.
/// </summary>
public static class KubernetesTypes
{
    /// <summary>Group/versions served by Kubernetes v1.31 ("" is the core group).</summary>
    private static readonly FrozenSet<string> Served = new[]
    {
        "v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "policy/v1",
        "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1",
        "apiextensions.k8s.io/v1", "admissionregistration.k8s.io/v1", "scheduling.k8s.io/v1",
        "coordination.k8s.io/v1", "discovery.k8s.io/v1", "node.k8s.io/v1", "certificates.k8s.io/v1",
        "events.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1beta3",
        "apiregistration.k8s.io/v1", "authentication.k8s.io/v1", "authorization.k8s.io/v1",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>API groups that belong to Kubernetes itself (kinds there have no CRD schema).</summary>
    private static readonly FrozenSet<string> Groups = Served.Select(GroupOf)
        .Concat(["extensions", "resource.k8s.io", "internal.apiserver.k8s.io", "storagemigration.k8s.io", "certificates.k8s.io"])
        .ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Every model, for hints only (scanning the assembly costs ~100 ms, so it happens only when a hint needs it).</summary>
    private static readonly Lazy<FrozenDictionary<(string ApiVersion, string Kind), Type>> AllModels = new(() => typeof(V1Pod).Assembly.GetTypes()
        .Select(t => (Type: t, Entity: Entity(t)))
        .Where(t => t.Entity is { Kind.Length: > 0 } && !t.Entity.Kind.EndsWith("List", StringComparison.Ordinal))
        .Select(t => (Key: (ApiVersion: ApiVersionOf(t.Entity!), t.Entity!.Kind), t.Type))
        .DistinctBy(t => t.Key)
        .ToFrozenDictionary(t => t.Key, t => t.Type));

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string ApiVersion, string Kind), Type?> Resolved = new();

    /// <summary>KubernetesClient's converters (IntOrString, Quantity, dates) with unknown fields refused.</summary>
    public static readonly JsonSerializerOptions Strict = CreateStrict();

    public static bool IsBuiltInGroup(string group) => Groups.Contains(group);

    public static bool IsServed(string apiVersion) => Served.Contains(apiVersion);

    /// <summary>
    /// The model of a kind: KubernetesClient names them V1Deployment, V2HorizontalPodAutoscaler,
    /// V1beta3FlowSchema..., so the name is derived and then confirmed by its KubernetesEntity attribute.
    /// </summary>
    public static Type? ModelOf(string apiVersion, string kind) => Resolved.GetOrAdd((apiVersion, kind), key =>
    {
        var version = key.ApiVersion[(key.ApiVersion.IndexOf('/') + 1)..];
        if (version.Length == 0 || key.Kind.Length == 0) return null;
        var type = typeof(V1Pod).Assembly.GetType($"k8s.Models.{char.ToUpperInvariant(version[0])}{version[1..]}{key.Kind}");
        return type is not null && Entity(type) is { } entity && ApiVersionOf(entity) == key.ApiVersion && entity.Kind == key.Kind ? type : null;
    });

    private static KubernetesEntityAttribute? Entity(Type type) =>
        type.GetCustomAttributes(typeof(KubernetesEntityAttribute), false).OfType<KubernetesEntityAttribute>().FirstOrDefault();

    private static string ApiVersionOf(KubernetesEntityAttribute entity) => entity.Group.Length == 0 ? entity.ApiVersion : $"{entity.Group}/{entity.ApiVersion}";

    /// <summary>The kinds v1.31 serves under <paramref name="apiVersion"/>, for hints.</summary>
    public static IEnumerable<string> KindsOf(string apiVersion) => AllModels.Value.Keys.Where(k => k.ApiVersion == apiVersion).Select(k => k.Kind);

    /// <summary>The served versions that define <paramref name="kind"/> in <paramref name="group"/>.</summary>
    public static IEnumerable<string> ServedVersionsOf(string group, string kind) =>
        AllModels.Value.Keys.Where(k => k.Kind == kind && GroupOf(k.ApiVersion) == group && Served.Contains(k.ApiVersion)).Select(k => k.ApiVersion);

    private static string GroupOf(string apiVersion) => apiVersion.Contains('/') ? apiVersion[..apiVersion.IndexOf('/')] : "";

    private static JsonSerializerOptions CreateStrict()
    {
        JsonSerializerOptions? strict = null;
        // KubernetesClient exposes its serializer settings only through this callback; copy them.
        KubernetesJson.AddJsonOptions(options => strict ??= new JsonSerializerOptions(options)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        });
        return strict ?? throw new InvalidOperationException("KubernetesClient did not expose its JSON options");
    }
}
