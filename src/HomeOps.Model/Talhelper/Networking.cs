using HomeOps.Model.Yaml;

namespace HomeOps.Model.Talhelper;

/// <summary>Talos' v1alpha1.Device (machine.network.interfaces[]), every field (pkg/machinery/config/types/v1alpha1/v1alpha1_types.go).</summary>
public sealed class NetworkInterface : Located
{
    public string? Interface { get; set; }
    public DeviceSelector? DeviceSelector { get; set; }
    public List<string>? Addresses { get; set; }
    public string? Cidr { get; set; }
    public List<Route>? Routes { get; set; }
    public Bond? Bond { get; set; }
    public Bridge? Bridge { get; set; }
    public BridgePort? BridgePort { get; set; }
    public List<Vlan>? Vlans { get; set; }
    public int? Mtu { get; set; }
    public bool? Dhcp { get; set; }
    public bool? Ignore { get; set; }
    public bool? Dummy { get; set; }
    public DhcpOptions? DhcpOptions { get; set; }
    public Wireguard? Wireguard { get; set; }
    public Vip? Vip { get; set; }

    /// <summary>This interface and each of its VLAN sub-interfaces: the places that carry addresses and a VIP.</summary>
    public IEnumerable<(List<string>? Addresses, Vip? Vip, Located At)> AddressedLinks() =>
        (Vlans ?? []).Select(v => (v.Addresses, v.Vip, (Located)v)).Prepend((Addresses, Vip, this));
}

/// <summary>Talos' v1alpha1.NetworkDeviceSelector.</summary>
public sealed class DeviceSelector : Located
{
    public string? BusPath { get; set; }
    public string? HardwareAddr { get; set; }
    public string? PermanentAddr { get; set; }
    public string? PciID { get; set; }
    public string? Driver { get; set; }
    public bool? Physical { get; set; }
}

public sealed class Route : Located
{
    public string? Network { get; set; }
    public string? Gateway { get; set; }
    public string? Source { get; set; }
    public long? Metric { get; set; }
    public long? Mtu { get; set; }
}

/// <summary>Talos' v1alpha1.Bond.</summary>
public sealed class Bond : Located
{
    public List<string>? Interfaces { get; set; }
    public List<DeviceSelector>? DeviceSelectors { get; set; }
    public List<string>? ArpIPTarget { get; set; }
    public string? Mode { get; set; }
    public string? XmitHashPolicy { get; set; }
    public string? LacpRate { get; set; }
    public string? AdActorSystem { get; set; }
    public string? ArpValidate { get; set; }
    public string? ArpAllTargets { get; set; }
    public string? Primary { get; set; }
    public string? PrimaryReselect { get; set; }
    public string? FailOverMac { get; set; }
    public string? AdSelect { get; set; }
    public long? Miimon { get; set; }
    public long? Updelay { get; set; }
    public long? Downdelay { get; set; }
    public long? ArpInterval { get; set; }
    public long? ResendIgmp { get; set; }
    public long? MinLinks { get; set; }
    public long? LpInterval { get; set; }
    public long? PacketsPerSlave { get; set; }
    public long? NumPeerNotif { get; set; }
    public long? TlbDynamicLb { get; set; }
    public long? AllSlavesActive { get; set; }
    public bool? UseCarrier { get; set; }
    public long? AdActorSysPrio { get; set; }
    public long? AdUserPortKey { get; set; }
    public long? PeerNotifyDelay { get; set; }
}

public sealed class Bridge : Located
{
    public List<string>? Interfaces { get; set; }
    public Stp? Stp { get; set; }
    public BridgeVlan? Vlan { get; set; }
}

public sealed class Stp : Located
{
    public bool? Enabled { get; set; }
}

public sealed class BridgeVlan : Located
{
    public bool? VlanFiltering { get; set; }
}

public sealed class BridgePort : Located
{
    public string? Master { get; set; }
}

public sealed class Vlan : Located
{
    public List<string>? Addresses { get; set; }
    public string? Cidr { get; set; }
    public List<Route>? Routes { get; set; }
    public bool? Dhcp { get; set; }
    public int? VlanId { get; set; }
    public int? Mtu { get; set; }
    public Vip? Vip { get; set; }
    public DhcpOptions? DhcpOptions { get; set; }
}

public sealed class DhcpOptions : Located
{
    public long? RouteMetric { get; set; }
    public bool? Ipv4 { get; set; }
    public bool? Ipv6 { get; set; }
    public string? Duidv6 { get; set; }
}

public sealed class Wireguard : Located
{
    public string? PrivateKey { get; set; }
    public int? ListenPort { get; set; }
    public int? FirewallMark { get; set; }
    public List<WireguardPeer>? Peers { get; set; }
}

public sealed class WireguardPeer : Located
{
    public string? PublicKey { get; set; }
    public string? Endpoint { get; set; }
    public string? PersistentKeepaliveInterval { get; set; }
    public List<string>? AllowedIPs { get; set; }
}

public sealed class Vip : Located
{
    [RequiredKey] public string Ip { get; set; } = "";
    public VipToken? EquinixMetal { get; set; }
    public VipToken? Hcloud { get; set; }
}

public sealed class VipToken : Located
{
    public string? ApiToken { get; set; }
}
