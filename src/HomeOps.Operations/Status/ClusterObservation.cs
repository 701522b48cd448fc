using HomeOps.Operations.Maintenance;
using HomeOps.Operations.Observe;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Status;

/// <summary>One read from the cluster: its value, or why it could not be read. A null value without a problem: the API does not serve it (not installed).</summary>
public sealed record Read<T>(T? Value, string? Problem) where T : class;

/// <summary>Makes <see cref="Read{T}"/> values.</summary>
public static class Read
{
    public static Read<T> Of<T>(T? value) where T : class => new(value, null);

    public static Read<T> Failed<T>(string problem) where T : class => new(null, problem);
}

/// <summary>What Talos says: every node's health, the etcd member count and each node's running Talos version.</summary>
public sealed record TalosObservation(IReadOnlyList<NodeHealth> Nodes, int EtcdMembers, IReadOnlyDictionary<string, string?> Versions);

/// <summary>Everything `status` read, at one moment; the evaluation is a pure function of this and the repository's expectations.</summary>
public sealed record ClusterObservation(
    DateTimeOffset At,
    Read<TalosObservation> Talos,
    Read<IReadOnlyList<LiveNode>> Nodes,
    Read<IReadOnlyList<FluxObject>> Flux,
    Read<CiliumHealth> Cilium,
    Read<IReadOnlyList<BgpPeerStatus>> Bgp,
    Read<IReadOnlyList<LiveService>> Services,
    Read<IReadOnlyList<LonghornVolume>> LonghornVolumes,
    Read<IReadOnlyList<LonghornNode>> LonghornNodes,
    Read<IReadOnlyList<CertificateStatus>> Certificates);
