using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Network;
using HomeOps.Model.Repository;

namespace HomeOps.Compile.Bgp;

/// <summary>A value and where it was written.</summary>
public sealed record At<T>(T Value, SourceLocation Location);

/// <summary>One peer of a bgpInstance in a CiliumBGPClusterConfig.</summary>
public sealed record BgpPeer(string Description, At<long>? LocalAsn, At<long>? PeerAsn, At<string>? Address, At<string>? PeerConfig)
{
    /// <summary>The ClusterConfig's spec.nodeSelector: which nodes open this session (absent: every node).</summary>
    public JsonNode? NodeSelector { get; init; }
}

/// <summary>spec.timers of a CiliumBGPPeerConfig (null fields: Cilium's defaults, 120/90/30 s).</summary>
public sealed record BgpTimers(long? ConnectRetrySeconds, long? HoldSeconds, long? KeepAliveSeconds);

/// <summary>One AFI/SAFI of a CiliumBGPPeerConfig and the advertisements it selects by label.</summary>
public sealed record BgpFamily(string Afi, JsonNode? Advertisements, SourceLocation At)
{
    public bool IsV6 => Afi == "ipv6";
}

public sealed record BgpPeerConfig(string Name, IReadOnlyList<BgpFamily> Families, bool ExplicitFamilies, SourceLocation FamiliesAt, long EbgpMultihop)
{
    public BgpTimers Timers { get; init; } = new(null, null, null);

    /// <summary>spec.gracefulRestart: enabled and restartTimeSeconds (null when unset; Cilium's default is 120).</summary>
    public (bool Enabled, long? RestartSeconds) GracefulRestart { get; init; }
}

/// <summary>One entry of a CiliumBGPAdvertisement's spec.advertisements.</summary>
public sealed record BgpAdvertisementEntry(string Type, IReadOnlyList<string> ServiceAddresses, JsonNode? Selector, SourceLocation At);

public sealed record BgpAdvertisement(string Name, IReadOnlyDictionary<string, string> Labels, SourceLocation At, IReadOnlyList<BgpAdvertisementEntry> Entries);

/// <summary>
/// Cilium's BGP v2 objects (cilium.io v2alpha1 and v2 share these fields): who peers with whom
/// (CiliumBGPClusterConfig), with which families (CiliumBGPPeerConfig) and what each family
/// announces (CiliumBGPAdvertisement, selected by label).
/// </summary>
public sealed class BgpPlan
{
    private static readonly ConditionalWeakTable<ClusterView, BgpPlan> Plans = new();

    public required IReadOnlyList<BgpPeer> Peers { get; init; }
    public required IReadOnlyList<BgpPeerConfig> PeerConfigs { get; init; }
    public required IReadOnlyList<BgpAdvertisement> Advertisements { get; init; }
    public required bool HasClusterConfig { get; init; }

    public bool InUse => HasClusterConfig || PeerConfigs.Count + Advertisements.Count > 0;

    public static BgpPlan Of(RepoModel repo) => Of(repo.Cluster);

    /// <summary>One plan per cluster of a loaded repository.</summary>
    public static BgpPlan Of(ClusterView cluster) => Plans.GetValue(cluster, c => new BgpPlan
    {
        Peers = c.OfKind("cilium.io", "CiliumBGPClusterConfig").SelectMany(ReadPeers).ToList(),
        PeerConfigs = c.OfKind("cilium.io", "CiliumBGPPeerConfig").Select(ReadPeerConfig).ToList(),
        Advertisements = c.OfKind("cilium.io", "CiliumBGPAdvertisement").Select(ReadAdvertisement).ToList(),
        HasClusterConfig = c.OfKind("cilium.io", "CiliumBGPClusterConfig").Any(),
    });

    public static bool Selects(BgpFamily family, BgpAdvertisement advertisement) =>
        LabelSelector.Matches(family.Advertisements, advertisement.Labels, LabelSelector.WhenEmpty.SelectsNothing);

    /// <summary>The peer configs some ClusterConfig peer uses: only those reach a router.</summary>
    public IEnumerable<BgpPeerConfig> UsedPeerConfigs => PeerConfigs.Where(c => Peers.Any(p => p.PeerConfig?.Value == c.Name));

    private static IEnumerable<BgpPeer> ReadPeers(Manifest config)
    {
        var instances = config.Body["spec"].Field("bgpInstances") as JsonArray ?? [];
        for (var i = 0; i < instances.Count; i++)
        {
            var local = Number(config, $"/spec/bgpInstances/{i}/localASN");
            var peers = instances[i].Field("peers") as JsonArray ?? [];
            for (var j = 0; j < peers.Count; j++)
            {
                var pointer = $"/spec/bgpInstances/{i}/peers/{j}";
                yield return new BgpPeer($"CiliumBGPClusterConfig {config.Name} peer {Manifest.Text(peers[j].Field("name")) ?? j.ToString()}",
                    local, Number(config, $"{pointer}/peerASN"), Text(config, $"{pointer}/peerAddress"), Text(config, $"{pointer}/peerConfigRef/name"))
                { NodeSelector = config.Body["spec"].Field("nodeSelector") };
            }
        }
    }

    private static BgpPeerConfig ReadPeerConfig(Manifest config)
    {
        var written = config.Body["spec"].Field("families") as JsonArray;
        var families = (written ?? []).Select((f, i) => new BgpFamily(Manifest.Text(f.Field("afi")) ?? "", f.Field("advertisements"), config.At($"/spec/families/{i}/advertisements"))).ToList();
        // Cilium negotiates ipv4 and ipv6 unicast when families is unset, with no advertisements
        if (written is not { Count: > 0 }) families = [new("ipv4", null, config.At("/spec")), new("ipv6", null, config.At("/spec"))];
        var multihop = config.Body["spec"].Field("ebgpMultihop") is JsonValue v && v.TryGetValue<long>(out var hops) ? hops : 1;
        var timers = new BgpTimers(Number(config, "/spec/timers/connectRetryTimeSeconds")?.Value, Number(config, "/spec/timers/holdTimeSeconds")?.Value,
            Number(config, "/spec/timers/keepAliveTimeSeconds")?.Value);
        var restart = (config.Get("/spec/gracefulRestart/enabled")?.GetValueKind() == System.Text.Json.JsonValueKind.True, Number(config, "/spec/gracefulRestart/restartTimeSeconds")?.Value);
        return new BgpPeerConfig(config.Name, families, written is { Count: > 0 }, config.At("/spec/families"), multihop) { Timers = timers, GracefulRestart = restart };
    }

    private static BgpAdvertisement ReadAdvertisement(Manifest advertisement)
    {
        var entries = (advertisement.Body["spec"].Field("advertisements") as JsonArray ?? []).Select((a, i) => new BgpAdvertisementEntry(
            Manifest.Text(a.Field("advertisementType")) ?? "",
            (a.Field("service").Field("addresses") as JsonArray ?? []).Select(Manifest.Text).OfType<string>().ToList(),
            a.Field("selector"), advertisement.At($"/spec/advertisements/{i}"))).ToList();
        return new BgpAdvertisement(advertisement.Name, LabelSelector.StringMap(advertisement.Body["metadata"].Field("labels")), advertisement.At("/metadata/labels"), entries);
    }

    private static At<long>? Number(Manifest m, string pointer) =>
        m.Get(pointer) is JsonValue v && v.TryGetValue<long>(out var n) ? new At<long>(n, m.At(pointer)) : null;

    private static At<string>? Text(Manifest m, string pointer) =>
        Manifest.Text(m.Get(pointer)) is { } s ? new At<string>(s, m.At(pointer)) : null;
}
