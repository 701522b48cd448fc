using System.Text.Json.Nodes;
using HomeOps.Model.Yaml;

namespace HomeOps.Model.Talhelper;

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
