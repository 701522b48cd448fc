using System.Text.Json.Serialization;
using HomeOps.Model.Yaml;

namespace HomeOps.Model.Init;

// cluster-spec.yaml: what `homeops init` asks an operator, and nothing else. Everything that is the
// same for every operator (chart versions, the Flux chain, policies) comes from the reference
// repository; everything here differs between operators. Read strictly, like talconfig.yaml.

/// <summary>The answers `homeops init` needs to write a new cluster repository.</summary>
public sealed class ClusterSpec : Located
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    [RequiredKey] public SpecCluster Cluster { get; set; } = new();
    [RequiredKey] public SpecDomains Domains { get; set; } = new();
    [RequiredKey] public SpecNetwork Network { get; set; } = new();
    [RequiredKey] public List<SpecNode> Nodes { get; set; } = [];

    /// <summary>Optional: without it the load-balancer pools are announced on the node network (L2) instead of routed.</summary>
    public SpecBgp? Bgp { get; set; }

    [RequiredKey] public SpecLoadBalancer LoadBalancer { get; set; } = new();
    public SpecStorage Storage { get; set; } = new();
    public SpecComponents Components { get; set; } = new();
    [RequiredKey] public SpecOnePassword Onepassword { get; set; } = new();
    [RequiredKey] public SpecGit Git { get; set; } = new();

    /// <summary>
    /// Whether pods run on the control planes: only when every node is one (the generated talconfig then allows
    /// scheduling there); with workers the control planes keep their taint.
    /// </summary>
    public bool ControlPlanesRunWorkloads() => Nodes.All(n => n.ControlPlane);

    /// <summary>The nodes that run workloads (see <see cref="ControlPlanesRunWorkloads"/>). Replicas kept on different nodes need this many.</summary>
    public int WorkloadNodeCount() => ControlPlanesRunWorkloads() ? Nodes.Count : Nodes.Count(n => !n.ControlPlane);
}

public sealed class SpecCluster : Located
{
    [RequiredKey] public string Name { get; set; } = "";
    public string TalosVersion { get; set; } = "v1.10.5";
    public string KubernetesVersion { get; set; } = "v1.31.1";
}

public sealed class SpecDomains : Located
{
    /// <summary>Names that resolve only at home (the internal ingress, SSO-protected tools).</summary>
    [RequiredKey] public string Internal { get; set; } = "";

    /// <summary>The public zone; needed for the Cloudflare tunnel.</summary>
    public string? External { get; set; }
}

public sealed class SpecNetwork : Located
{
    [RequiredKey] public string NodeCidr { get; set; } = "";
    [RequiredKey] public string Gateway { get; set; } = "";
    [RequiredKey] public string Vip { get; set; } = "";
    /// <summary>
    /// Only for a tagged switch port: the node network arrives tagged with this VLAN ID, and Talos carries the addresses,
    /// routes and VIP on a VLAN sub-interface of the link. Left out for an untagged (access) port, whatever VLAN the switch puts it in.
    /// </summary>
    public int? Vlan { get; set; }

    public int Mtu { get; set; } = 1500;

    /// <summary>Default: the gateway.</summary>
    public List<string> Nameservers { get; set; } = [];

    public string PodCidr { get; set; } = "10.244.0.0/16";
    public string ServiceCidr { get; set; } = "10.96.0.0/12";

    /// <summary>Dual-stack, all or nothing: with this block every node needs an IPv6 address too.</summary>
    public SpecIpv6? Ipv6 { get; set; }
}

public sealed class SpecIpv6 : Located
{
    [RequiredKey] public string NodeCidr { get; set; } = "";
    [RequiredKey] public string Gateway { get; set; } = "";
    [RequiredKey] public string PodCidr { get; set; } = "";
    [RequiredKey] public string ServiceCidr { get; set; } = "";
}

public sealed class SpecNode : Located
{
    [RequiredKey] public string Hostname { get; set; } = "";
    [RequiredKey] public string Address { get; set; } = "";
    public string? Ipv6Address { get; set; }

    /// <summary>Optional: selects the interface by hardware address instead of "the physical one".</summary>
    public string? Mac { get; set; }

    [RequiredKey] public SpecInstallDisk InstallDisk { get; set; } = new();

    /// <summary>Default true: every reference node is a control plane.</summary>
    public bool ControlPlane { get; set; } = true;
}

/// <summary>Exactly one of the three, as talhelper's installDiskSelector (or installDisk for a path).</summary>
public sealed class SpecInstallDisk : Located
{
    public string? Model { get; set; }
    public string? Serial { get; set; }
    public string? Path { get; set; }
}

public sealed class SpecBgp : Located
{
    [JsonPropertyName("clusterASN")] public long? ClusterAsn { get; set; }
    [JsonPropertyName("routerASN")] public long? RouterAsn { get; set; }

    /// <summary>Default: the gateway.</summary>
    public string? RouterAddress { get; set; }

    /// <summary>Default: the IPv6 gateway when dual-stack.</summary>
    public string? RouterAddressV6 { get; set; }
}

public sealed class SpecLoadBalancer : Located
{
    /// <summary>The range the router sends to the cluster (BGP) or that sits in the node network (L2).</summary>
    [RequiredKey] public string Cidr { get; set; } = "";

    /// <summary>The internal ingress's fixed address; must lie in a pool.</summary>
    [RequiredKey] public string IngressAddress { get; set; } = "";

    [RequiredKey] public List<SpecPool> Pools { get; set; } = [];

    /// <summary>The public ingress's fixed address (the Cloudflare tunnel's target); must lie in a pool.</summary>
    public string? PublicIngressAddress { get; set; }

    public string? Ipv6Cidr { get; set; }
}

public sealed class SpecPool : Located
{
    [RequiredKey] public string Name { get; set; } = "";

    /// <summary>"172.29.52.100-172.29.52.199" or a CIDR.</summary>
    [RequiredKey] public string Range { get; set; } = "";
}

public sealed class SpecStorage : Located
{
    /// <summary>The model of the one data SSD per node Longhorn uses (matched exactly, as Talos's disk.model).</summary>
    public string? SsdModel { get; set; }
}

public sealed class SpecComponents : Located
{
    public bool Sso { get; set; } = true;
    public bool CloudflareTunnel { get; set; } = true;
    public bool Longhorn { get; set; } = true;
    public bool Monitoring { get; set; } = true;
}

public sealed class SpecOnePassword : Located
{
    public string Account { get; set; } = "my.1password.com";
    [RequiredKey] public string Vault { get; set; } = "";
}

public sealed class SpecGit : Located
{
    [RequiredKey] public string Url { get; set; } = "";
    public string Branch { get; set; } = "main";
}
