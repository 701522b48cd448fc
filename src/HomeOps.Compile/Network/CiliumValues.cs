using System.Text.Json.Nodes;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Network;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;

namespace HomeOps.Compile.Network;

/// <summary>
/// The Cilium Helm values as Flux computes them: each valuesFrom ConfigMap in order, then the
/// HelmRelease's inline values, later layers winning key by key. Each lookup answers with where
/// the winning value was written, so findings point into values.yaml rather than at the release.
/// </summary>
public sealed class CiliumValues(Manifest release, IReadOnlyList<ValuesLayer> layers)
{
    public Manifest Release { get; } = release;

    /// <summary>The value at a dotted path ("ipam.mode"), or null, with where it is (or, when unset, where the values start).</summary>
    public (JsonNode? Value, SourceLocation At) Get(string path)
    {
        var pointer = "/" + string.Join('/', path.Split('.').Select(YamlJson.Escape));
        for (var i = layers.Count - 1; i >= 0; i--)
        {
            var node = (JsonNode?)layers[i].Document.Body;
            foreach (var token in (layers[i].Pointer + pointer).Split('/', StringSplitOptions.RemoveEmptyEntries))
                node = node is JsonObject obj ? obj[token.Replace("~1", "/").Replace("~0", "~")] : null;
            if (node is not null) return (node, layers[i].Document.At(layers[i].Pointer + pointer));
        }
        return (null, layers.Count > 0 ? layers[0].Document.At(layers[0].Pointer) : Release.At("/spec"));
    }

    public bool Enabled(string path, bool byDefault) => Get(path).Value?.GetValueKind() switch
    {
        System.Text.Json.JsonValueKind.True => true,
        System.Text.Json.JsonValueKind.False => false,
        _ => byDefault,
    };

    /// <summary>Strings of a value that Cilium accepts as a list or as one comma-separated string.</summary>
    public IReadOnlyList<string>? Strings(string path) => Get(path).Value switch
    {
        JsonArray array => array.Select(Manifest.Text).OfType<string>().ToList(),
        JsonValue value when Manifest.Text(value) is { } text => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        _ => null,
    };

    /// <summary>
    /// The pod ranges Cilium itself hands out in ipam.mode cluster-pool (the chart's default), with the
    /// chart's defaults when unset: then talconfig's clusterPodNets are not what pods get. Empty in
    /// other IPAM modes (kubernetes: the node podCIDRs from clusterPodNets).
    /// </summary>
    public IReadOnlyList<PlanRange> ClusterPoolPodRanges()
    {
        if ((Manifest.Text(Get("ipam.mode").Value) ?? "cluster-pool") != "cluster-pool") return [];
        var result = new List<PlanRange>();
        foreach (var (family, key, fallback, byDefault) in new[] { ("ipv4", "clusterPoolIPv4PodCIDRList", "10.0.0.0/8", true), ("ipv6", "clusterPoolIPv6PodCIDRList", "fd00::/104", false) })
        {
            if (!Enabled($"{family}.enabled", byDefault)) continue;
            var path = $"ipam.operator.{key}";
            var written = Strings(path);
            foreach (var text in written ?? [fallback])
                if (IpRange.TryParse(text, out var range) && !text.Contains('-'))
                    result.Add(new PlanRange(range, $"Cilium cluster-pool pod range {text} ({path}{(written is null ? ", chart default" : "")})", Get(path).At));
        }
        return result;
    }

    /// <summary>
    /// The values of the HelmRelease of chart "cilium": inline values plus ConfigMaps it reads
    /// through valuesFrom that a kustomization.yaml configMapGenerator builds from files. Null when
    /// the tree has no Cilium release.
    /// </summary>
    public static CiliumValues? Find(RepoModel repo) => Find(repo, repo.Cluster);

    public static CiliumValues? Find(RepoModel repo, ClusterView cluster)
    {
        var release = cluster.OfKind("helm.toolkit.fluxcd.io", "HelmRelease")
            .FirstOrDefault(r => Manifest.Text(r.Body["spec"].Field("chart").Field("spec").Field("chart")) == "cilium");
        if (release is null) return null;
        var layers = HelmValues.LayersOf(repo, release);
        return new CiliumValues(release, layers);
    }
}
