using System.Net;
using System.Text.Json.Nodes;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Network;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;

namespace HomeOps.Compile.Network;

/// <summary>An address a Service asks for (annotation or spec.loadBalancerIP); Address is null when the text is not an IP.</summary>
public sealed record RequestedIp(string Text, IPAddress? Address, SourceLocation At);

/// <summary>
/// A Service of type LoadBalancer that Cilium LB-IPAM serves: a Service manifest, or one a
/// HelmRelease's values define (e.g. ingress-nginx controller.service). Labels a chart adds on its
/// own are unknown here, so selectors should use labels set in the values.
/// </summary>
public sealed record LbService(
    string Description,
    string Namespace,
    string? Name,
    IReadOnlyDictionary<string, string> Labels,
    SourceLocation At,
    SourceLocation LabelsAt,
    IReadOnlyList<RequestedIp> Requested,
    string? PoolLabel,
    IReadOnlyList<string> IpFamilies,
    string? IpFamilyPolicy,
    SourceLocation FamiliesAt)
{
    /// <summary>Labels the repository's pool-choosing convention uses: its value names the pool.</summary>
    public const string PoolLabelKey = "io.cilium/lb-ipam-pool";

    private static readonly string[] IpAnnotations = ["lbipam.cilium.io/ips", "io.cilium/lb-ipam-ips"];

    /// <summary>What Cilium's pool and advertisement selectors see: the labels plus its virtual namespace/name labels.</summary>
    public IReadOnlyDictionary<string, string> SelectorLabels
    {
        get
        {
            var labels = new Dictionary<string, string>(Labels) { ["io.kubernetes.service.namespace"] = Namespace };
            if (Name is not null) labels["io.kubernetes.service.name"] = Name;
            return labels;
        }
    }

    public static IReadOnlyList<LbService> FromManifests(RepoModel repo) => FromObjects(repo.Cluster);

    public static IReadOnlyList<LbService> FromObjects(ClusterView cluster)
    {
        var result = new List<LbService>();
        foreach (var service in cluster.OfKind("", "Service"))
            if (service.Body["spec"] is JsonObject spec && IsCiliumLoadBalancer(spec))
                result.Add(Read($"Service {service.Namespace ?? "default"}/{service.Name}", service.Namespace ?? "default", service.Name, service,
                    service.Body["metadata"].Field("labels"), "/metadata/labels", service.Body["metadata"].Field("annotations"), "/metadata/annotations", spec, "/spec"));
        foreach (var release in cluster.OfKind("helm.toolkit.fluxcd.io", "HelmRelease"))
        {
            var ns = Manifest.Text(release.Body["spec"].Field("targetNamespace")) ?? release.Namespace ?? "default";
            foreach (var (values, pointer) in ServiceValues(release.Body["spec"].Field("values"), "/spec/values"))
                result.Add(Read($"HelmRelease {release.Namespace}/{release.Name} values {pointer["/spec/values/".Length..].Replace('/', '.')}", ns, null, release,
                    values["labels"], $"{pointer}/labels", values["annotations"], $"{pointer}/annotations", values, pointer));
        }
        return result;
    }

    /// <summary>A Service without loadBalancerClass, or with one of Cilium's (io.cilium/...), is Cilium's to serve.</summary>
    private static bool IsCiliumLoadBalancer(JsonObject spec) =>
        Manifest.Text(spec["type"]) == "LoadBalancer" && (Manifest.Text(spec["loadBalancerClass"]) is not { } cls || cls.StartsWith("io.cilium/", StringComparison.Ordinal));

    /// <summary>Mappings inside Helm values that describe a LoadBalancer Service the chart will create (type: LoadBalancer, not enabled: false).</summary>
    private static IEnumerable<(JsonObject Values, string Pointer)> ServiceValues(JsonNode? node, string pointer)
    {
        if (node is JsonArray array)
            for (var i = 0; i < array.Count; i++)
                foreach (var found in ServiceValues(array[i], $"{pointer}/{i}")) yield return found;
        if (node is not JsonObject obj) yield break;
        if (IsCiliumLoadBalancer(obj) && obj["enabled"]?.GetValueKind() != System.Text.Json.JsonValueKind.False) yield return (obj, pointer);
        foreach (var (key, child) in obj)
            foreach (var found in ServiceValues(child, $"{pointer}/{YamlJson.Escape(key)}")) yield return found;
    }

    private static LbService Read(string description, string ns, string? name, Manifest source, JsonNode? labels, string labelsPointer,
        JsonNode? annotations, string annotationsPointer, JsonObject spec, string specPointer)
    {
        var labelMap = LabelSelector.StringMap(labels);
        var requested = new List<RequestedIp>();
        foreach (var (key, value) in LabelSelector.StringMap(annotations).Where(a => IpAnnotations.Contains(a.Key)))
            foreach (var text in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                requested.Add(Request(text, source.At($"{annotationsPointer}/{YamlJson.Escape(key)}")));
        if (Manifest.Text(spec["loadBalancerIP"]) is { Length: > 0 } legacy)
            requested.Add(Request(legacy, source.At($"{specPointer}/loadBalancerIP")));
        var families = (spec["ipFamilies"] as JsonArray ?? []).Select(Manifest.Text).OfType<string>().ToList();
        var familiesAt = source.At(spec["ipFamilyPolicy"] is not null ? $"{specPointer}/ipFamilyPolicy" : $"{specPointer}/ipFamilies");
        // point at the pool label itself when there is one: it is what pool findings are about
        var labelsAt = source.At(labelMap.ContainsKey(LbService.PoolLabelKey) ? $"{labelsPointer}/{YamlJson.Escape(LbService.PoolLabelKey)}" : labelsPointer);
        return new LbService(description, ns, name, labelMap, source.At($"{specPointer}/type"), labelsAt, requested,
            labelMap.GetValueOrDefault(PoolLabelKey), families, Manifest.Text(spec["ipFamilyPolicy"]), familiesAt);
    }

    private static RequestedIp Request(string text, SourceLocation at) =>
        new(text, Cidr.TryParseAddress(text, out var address) ? address : null, at);
}
