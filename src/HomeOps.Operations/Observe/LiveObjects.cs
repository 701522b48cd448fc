namespace HomeOps.Operations.Observe;

/// <summary>A Node: its Ready condition, versions, roles (from node-role.kubernetes.io/* labels), addresses and pod CIDRs.</summary>
public sealed record LiveNode(string Name, bool Ready, string ReadyMessage, string KubeletVersion, string OsImage,
    IReadOnlyList<string> Roles, IReadOnlyList<string> InternalAddresses, IReadOnlyList<string> PodCidrs);

/// <summary>A Flux Kustomization or HelmRelease with its Ready condition (no condition yet: not ready, reason "Progressing").</summary>
public sealed record FluxObject(string Kind, string Namespace, string Name, bool Ready, bool Suspended, string Reason, string Message);

/// <summary>How a Longhorn volume's replicas stand, judged once for status, diagnose storage and the upgrade gates.</summary>
public enum VolumeCondition { Healthy, Degraded, Faulted, Unknown }

/// <summary>A Longhorn Volume: state (attached, detached, ...), robustness (healthy, degraded, faulted, unknown), replicas wanted.</summary>
public sealed record LonghornVolume(string Name, string State, string Robustness, long SizeBytes, int Replicas, string? AttachedNode)
{
    /// <summary>
    /// degraded: fewer replicas running than wanted (Longhorn rebuilds); faulted: no usable replica, the data is unavailable.
    /// A detached volume has no engine to judge its replicas, so Longhorn says "unknown": nothing is wrong with it.
    /// </summary>
    public VolumeCondition Condition => Robustness switch
    {
        "healthy" => VolumeCondition.Healthy,
        "degraded" => VolumeCondition.Degraded,
        "faulted" => VolumeCondition.Faulted,
        _ when State == "detached" => VolumeCondition.Healthy,
        _ => VolumeCondition.Unknown,
    };
}

/// <summary>One disk of a Longhorn node: where it is mounted, its space, and whether Longhorn may schedule on it.</summary>
public sealed record LonghornDisk(string Name, string Path, long AvailableBytes, long MaximumBytes, long ScheduledBytes,
    bool Ready, bool Schedulable, string Message);

/// <summary>A Longhorn Node: Ready and Schedulable conditions and its disks.</summary>
public sealed record LonghornNode(string Name, bool Ready, bool Schedulable, string Message, IReadOnlyList<LonghornDisk> Disks);

/// <summary>A cert-manager Certificate: Ready condition, the current certificate's notAfter and when cert-manager means to renew it.</summary>
public sealed record CertificateStatus(string Namespace, string Name, IReadOnlyList<string> DnsNames, DateTimeOffset? NotAfter,
    bool Ready, string Message, DateTimeOffset? RenewalTime = null);

/// <summary>One BGP peer of one node as its CiliumBGPNodeConfig status reports it; routes advertised per AFI.</summary>
public sealed record BgpPeerStatus(string Node, string Instance, string PeerName, string PeerAddress, long PeerAsn, string State,
    IReadOnlyDictionary<string, int> Advertised)
{
    public bool Established => string.Equals(State, "established", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A Service: type, cluster IPs, the load-balancer IPs it was given and the IP families it asked for.</summary>
public sealed record LiveService(string Namespace, string Name, string Type, IReadOnlyList<string> ClusterIps,
    IReadOnlyList<string> LoadBalancerIps, IReadOnlyList<string> IpFamilies, string? RequestedLoadBalancerIp);

/// <summary>A Pod: its node, its IPs, and whether it shares the node's network.</summary>
public sealed record LivePod(string Namespace, string Name, string Node, IReadOnlyList<string> PodIps, bool HostNetwork, string Phase);
