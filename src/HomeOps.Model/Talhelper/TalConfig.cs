using System.Text.Json.Nodes;
using HomeOps.Model.Yaml;

namespace HomeOps.Model.Talhelper;

// The talhelper talconfig.yaml format (github.com/budimanjojo/talhelper, pkg/config), read strictly.
// Sub-objects that talhelper passes through to Talos keep Talos' own field names, so they
// serialize straight into the machine config.

/// <summary>The whole talconfig.yaml.</summary>
public sealed class TalConfig : Located
{
    [RequiredKey] public string ClusterName { get; set; } = "";
    public string? TalosVersion { get; set; }
    public string? KubernetesVersion { get; set; }
    [RequiredKey] public string Endpoint { get; set; } = "";
    public string? Domain { get; set; }
    [DeprecatedKey("allowSchedulingOnControlPlanes")] public bool? AllowSchedulingOnMasters { get; set; }
    public bool? AllowSchedulingOnControlPlanes { get; set; }
    public List<string>? AdditionalMachineCertSans { get; set; }
    public List<string>? AdditionalApiServerCertSans { get; set; }
    public List<string>? ClusterPodNets { get; set; }
    public List<string>? ClusterSvcNets { get; set; }
    public CniConfig? CniConfig { get; set; }
    public List<JsonNode>? Patches { get; set; }
    [RequiredKey] public List<Node> Nodes { get; set; } = [];
    public NodeGroup? ControlPlane { get; set; }
    public NodeGroup? Worker { get; set; }
    public ImageFactory? ImageFactory { get; set; }
}

public sealed class CniConfig : Located
{
    [RequiredKey] public string Name { get; set; } = "";
    public List<string>? Urls { get; set; }
}

public sealed class ImageFactory : Located
{
    public string? RegistryURL { get; set; }
    public string? SchematicEndpoint { get; set; }
    public string? Protocol { get; set; }
    public string? InstallerURLTmpl { get; set; }
}

/// <summary>Settings that may be given per node or once for all nodes of a role (controlPlane:/worker:).</summary>
public class NodeSettings : Located
{
    public string? InstallDisk { get; set; }
    public InstallDiskSelector? InstallDiskSelector { get; set; }
    public bool? DisableSearchDomain { get; set; }
    public List<string>? Nameservers { get; set; }
    public List<NetworkInterface>? NetworkInterfaces { get; set; }
    public Dictionary<string, string>? NodeLabels { get; set; }
    public Dictionary<string, string>? NodeAnnotations { get; set; }
    public Dictionary<string, string>? NodeTaints { get; set; }
    public List<KernelModule>? KernelModules { get; set; }
    public List<JsonNode>? MachineFiles { get; set; }
    public List<JsonNode>? MachineDisks { get; set; }
    public List<string>? CertSANs { get; set; }
    public Schematic? Schematic { get; set; }
    public string? TalosImageURL { get; set; }
    public SystemDiskEncryption? SystemDiskEncryption { get; set; }
    public List<UserVolume>? UserVolumes { get; set; }
    public List<ExtensionService>? ExtensionServices { get; set; }
    public List<JsonNode>? Volumes { get; set; }
    public List<JsonNode>? Patches { get; set; }
}

/// <summary>controlPlane: / worker: — defaults for every node of that role.</summary>
public sealed class NodeGroup : NodeSettings;

public sealed class Node : NodeSettings
{
    [RequiredKey] public string Hostname { get; set; } = "";
    [RequiredKey] public string IpAddress { get; set; } = "";
    public bool ControlPlane { get; set; }
    public bool? IgnoreHostname { get; set; }
}

public sealed class InstallDiskSelector : Located
{
    public string? Size { get; set; }
    public string? Name { get; set; }
    public string? Model { get; set; }
    public string? Serial { get; set; }
    public string? Modalias { get; set; }
    public string? Uuid { get; set; }
    public string? Wwid { get; set; }
    public string? Type { get; set; }
    public string? BusPath { get; set; }
}

public sealed class NetworkInterface : Located
{
    public string? Interface { get; set; }
    public DeviceSelector? DeviceSelector { get; set; }
    public List<string>? Addresses { get; set; }
    public List<Route>? Routes { get; set; }
    public int? Mtu { get; set; }
    public bool? Dhcp { get; set; }
    public bool? Ignore { get; set; }
    public Vip? Vip { get; set; }
    public JsonNode? DhcpOptions { get; set; }
    public JsonNode? Vlans { get; set; }
    public JsonNode? Bond { get; set; }
    public JsonNode? Bridge { get; set; }
}

public sealed class DeviceSelector : Located
{
    public string? HardwareAddr { get; set; }
    public string? Driver { get; set; }
    public string? BusPath { get; set; }
    public string? PermanentAddr { get; set; }
    public bool? Physical { get; set; }
}

public sealed class Route : Located
{
    public string? Network { get; set; }
    public string? Gateway { get; set; }
    public string? Source { get; set; }
    public int? Metric { get; set; }
    public int? Mtu { get; set; }
}

public sealed class Vip : Located
{
    [RequiredKey] public string Ip { get; set; } = "";
}

public sealed class KernelModule : Located
{
    [RequiredKey] public string Name { get; set; } = "";
    public List<string>? Parameters { get; set; }
}

public sealed class Schematic : Located
{
    public SchematicCustomization? Customization { get; set; }
    public JsonNode? Overlay { get; set; }
}

public sealed class SchematicCustomization : Located
{
    public List<string>? ExtraKernelArgs { get; set; }
    public JsonNode? Meta { get; set; }
    public SystemExtensions? SystemExtensions { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("secureboot")] public JsonNode? SecureBoot { get; set; }
}

public sealed class SystemExtensions : Located
{
    public List<string>? OfficialExtensions { get; set; }
}

public sealed class SystemDiskEncryption : Located
{
    public EncryptionConfig? State { get; set; }
    public EncryptionConfig? Ephemeral { get; set; }
}

public sealed class EncryptionConfig : Located
{
    [RequiredKey] public string Provider { get; set; } = "";
    public List<JsonNode>? Keys { get; set; }
    public string? Cipher { get; set; }
    public int? KeySize { get; set; }
    public long? BlockSize { get; set; }
    public List<string>? Options { get; set; }
}

/// <summary>A Talos UserVolumeConfig document (Talos ≥ 1.10), named and provisioned by disk selector.</summary>
public sealed class UserVolume : Located
{
    [RequiredKey] public string Name { get; set; } = "";
    [RequiredKey] public VolumeProvisioning Provisioning { get; set; } = new();
    public JsonNode? Filesystem { get; set; }
    public JsonNode? Encryption { get; set; }
}

public sealed class VolumeProvisioning : Located
{
    [RequiredKey] public DiskSelectorExpression DiskSelector { get; set; } = new();
    public string? MinSize { get; set; }
    public string? MaxSize { get; set; }
    public bool? Grow { get; set; }
}

public sealed class DiskSelectorExpression : Located
{
    [RequiredKey] public string Match { get; set; } = "";
}

/// <summary>A Talos ExtensionServiceConfig document.</summary>
public sealed class ExtensionService : Located
{
    [RequiredKey] public string Name { get; set; } = "";
    public List<ExtensionConfigFile>? ConfigFiles { get; set; }
    public List<string>? Environment { get; set; }
}

public sealed class ExtensionConfigFile : Located
{
    [RequiredKey] public string Content { get; set; } = "";
    [RequiredKey] public string MountPath { get; set; } = "";
}
