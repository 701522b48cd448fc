using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace HomeOps.Validate.Rules.Schema;

/// <summary>
/// The built-in Kubernetes kinds, from KubernetesClient's generated models (the official OpenAPI
/// types), limited to the API versions the cluster's Kubernetes release serves (<see cref="ServedApis"/>).
/// A kind is built-in when its group is one of Kubernetes' own; such objects are deserialized strictly
/// into their model type.
/// </summary>
public static class KubernetesTypes
{
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

    public static bool IsBuiltInGroup(string group) => ServedApis.Table.KubernetesGroups.Contains(group);

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

    /// <summary>The kinds the models know under <paramref name="apiVersion"/>, for hints.</summary>
    public static IEnumerable<string> KindsOf(string apiVersion) => AllModels.Value.Keys.Where(k => k.ApiVersion == apiVersion).Select(k => k.Kind);

    /// <summary>The versions of <paramref name="group"/> that define <paramref name="kind"/> and that the release (its table row) serves.</summary>
    public static IEnumerable<string> ServedVersionsOf(string group, string kind, int minor) =>
        AllModels.Value.Keys.Where(k => k.Kind == kind && GroupOf(k.ApiVersion) == group && ServedApis.Table.IsServed(k.ApiVersion, kind, minor)).Select(k => k.ApiVersion);

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
