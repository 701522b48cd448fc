using System.Text.Json.Nodes;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Network;
using HomeOps.Model.Repository;

using HomeOps.Model.Yaml;

namespace HomeOps.Compile.Network;

/// <summary>One block of a pool: a CIDR or a start/stop range.</summary>
public sealed record PoolBlock(IpRange Range, SourceLocation At);

/// <summary>A block whose text does not parse as a range, kept so a rule can point at it.</summary>
public sealed record BadBlock(string Text, SourceLocation At);

/// <summary>A CiliumLoadBalancerIPPool, or a range that bootstrap-config.yaml hands out before GitOps runs.</summary>
public sealed record LbPool(string Name, string Description, SourceLocation At, IReadOnlyList<PoolBlock> Blocks, IReadOnlyList<BadBlock> Invalid,
    JsonNode? Selector, bool Disabled, bool FromBootstrap)
{
    public bool Has(bool v6) => Blocks.Any(b => b.Range.IsV6 == v6);
}

/// <summary>Reads LB-IPAM pools from the GitOps tree and address ranges from bootstrap-config.yaml.</summary>
public static class LbPools
{
    public static IReadOnlyList<LbPool> FromManifests(RepoModel repo) => FromObjects(repo.Cluster);

    public static IReadOnlyList<LbPool> FromObjects(ClusterView cluster) =>
        cluster.OfKind("cilium.io", "CiliumLoadBalancerIPPool").Select(FromManifest).ToList();

    private static LbPool FromManifest(Manifest pool)
    {
        var blocks = new List<PoolBlock>();
        var invalid = new List<BadBlock>();
        var items = pool.Body["spec"].Field("blocks") as JsonArray ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            var cidr = Manifest.Text(items[i].Field("cidr"));
            var start = Manifest.Text(items[i].Field("start"));
            var at = pool.At($"/spec/blocks/{i}/{(cidr is null ? "start" : "cidr")}");
            IpRange range;
            var ok = cidr is not null ? IpRange.TryParse(cidr, out range) && !cidr.Contains('-') : IpRange.TryRange(start ?? "", Manifest.Text(items[i].Field("stop")), out range);
            if (ok) blocks.Add(new PoolBlock(range, at));
            else invalid.Add(new BadBlock(cidr ?? $"{start}-{Manifest.Text(items[i].Field("stop"))}", at));
        }
        return new LbPool(pool.Name, $"CiliumLoadBalancerIPPool {pool.Name}", pool.At("/spec/blocks"), blocks, invalid,
            pool.Body["spec"].Field("serviceSelector"), pool.Body["spec"].Field("disabled")?.GetValueKind() == System.Text.Json.JsonValueKind.True, false);
    }

    /// <summary>
    /// Address ranges under any key named like "pool" in bootstrap-config.yaml (a string "a-b" or
    /// CIDR, or a mapping with start/stop or cidr). Bootstrap pools outlive the bootstrap: the
    /// incident this catches is a bootstrap-era pool left inside the node VLAN.
    /// </summary>
    public static IReadOnlyList<LbPool> FromBootstrap(RepoModel repo)
    {
        if (repo.BootstrapConfig is not { } document) return [];
        var blocks = new List<PoolBlock>();
        var invalid = new List<BadBlock>();
        Walk(document, document.Body, "", false, blocks, invalid);
        return blocks.Count + invalid.Count == 0 ? []
            : [new LbPool("bootstrap", $"{RepoFiles.BootstrapConfig} pool", blocks.FirstOrDefault()?.At ?? invalid[0].At, blocks, invalid, null, false, true)];
    }

    /// <summary>"172.29.51.100-199", the last octet of the end written alone, as the full range "172.29.51.100-172.29.51.199".</summary>
    private static string ExpandShorthand(string value) =>
        System.Text.RegularExpressions.Regex.Match(value, @"^\s*((?:\d{1,3}\.){3})(\d{1,3})\s*-\s*(\d{1,3})\s*$") is { Success: true } m
            ? $"{m.Groups[1].Value}{m.Groups[2].Value}-{m.Groups[1].Value}{m.Groups[3].Value}"
            : value;

    /// <summary>bootstrap-config.yaml with the positions of its fields (RepoModel.Bootstrap has none); null when absent or not one document.</summary>
    private static void Walk(Manifest document, JsonNode? node, string pointer, bool underPool, List<PoolBlock> blocks, List<BadBlock> invalid)
    {
        switch (node)
        {
            case JsonObject obj when underPool && (obj["start"] is not null || obj["cidr"] is not null):
                var cidr = Manifest.Text(obj["cidr"]);
                var text = cidr ?? $"{Manifest.Text(obj["start"])}-{Manifest.Text(obj["stop"])}";
                Add(text, cidr is null ? IpRange.TryRange(Manifest.Text(obj["start"]) ?? "", Manifest.Text(obj["stop"]), out var r) : IpRange.TryParse(cidr, out r), r, document.At(pointer));
                break;
            case JsonObject obj:
                foreach (var (key, child) in obj)
                    Walk(document, child, $"{pointer}/{YamlJson.Escape(key)}", underPool || key.Contains("pool", StringComparison.OrdinalIgnoreCase), blocks, invalid);
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++) Walk(document, array[i], $"{pointer}/{i}", underPool, blocks, invalid);
                break;
            // only address-like strings: a pool's name ("bgp-default") is not a range
            case JsonValue when underPool && Manifest.Text(node) is { } value && (value.Contains('.') || value.Contains(':')) && (value.Contains('/') || value.Contains('-')):
                Add(value, IpRange.TryParse(ExpandShorthand(value), out var parsed), parsed, document.At(pointer));
                break;
        }

        void Add(string text, bool ok, IpRange range, SourceLocation at)
        {
            if (ok) blocks.Add(new PoolBlock(range, at));
            else invalid.Add(new BadBlock(text, at));
        }
    }
}
