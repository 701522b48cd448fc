using System.Text.Json.Nodes;
using HomeOps.Model.Yaml;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Model.Talhelper;

/// <summary>
/// Settings a node may set and the controlPlane:/worker: groups may give every node of their role (talhelper NodeConfigs).
/// How a group's value and a node's combine is talhelper's (pkg/config/nodeconfigs.go), see NodeResolver.
/// </summary>
public class NodeConfigs : Located
{
    public Dictionary<string, string>? NodeLabels { get; set; }
    public Dictionary<string, string>? NodeAnnotations { get; set; }
    public Dictionary<string, string>? NodeTaints { get; set; }
    public List<JsonNode>? MachineDisks { get; set; }
    public List<MachineFile>? MachineFiles { get; set; }
    public bool? DisableSearchDomain { get; set; }
    public List<KernelModule>? KernelModules { get; set; }
    public List<string>? Nameservers { get; set; }
    public List<NetworkInterface>? NetworkInterfaces { get; set; }
    public List<string>? ExtraManifests { get; set; }
    public List<string>? CertSANs { get; set; }
    [System.Text.Json.Serialization.JsonIgnore] public List<YamlNode>? Patches { get; set; }
    public string? TalosImageURL { get; set; }
    public bool? NoSchematicValidate { get; set; }
    public Schematic? Schematic { get; set; }
    public Schematic? ImageSchematic { get; set; }
    public MachineSpec? MachineSpec { get; set; }
    public IngressFirewall? IngressFirewall { get; set; }
    public List<ExtensionService>? ExtensionServices { get; set; }
    public List<Volume>? Volumes { get; set; }
    public List<UserVolume>? UserVolumes { get; set; }
    public string? FilenameTmpl { get; set; }
}

/// <summary>controlPlane: / worker: — defaults for every node of that role. Node-only keys are not allowed here.</summary>
public sealed class NodeGroup : NodeConfigs;

/// <summary>One machine (talhelper Node): the node-only keys plus every <see cref="NodeConfigs"/> key.</summary>
public sealed class Node : NodeConfigs
{
    [RequiredKey] public string Hostname { get; set; } = "";

    /// <summary>An IP address or DNS name, or several separated by commas (talhelper GetIPAddresses).</summary>
    [RequiredKey] public string IpAddress { get; set; } = "";

    public bool ControlPlane { get; set; }
    public string? InstallDisk { get; set; }
    public InstallDiskSelector? InstallDiskSelector { get; set; }
    public bool? IgnoreHostname { get; set; }
    public bool? OverridePatches { get; set; }
    public bool? OverrideExtraManifests { get; set; }
    public bool? OverrideMachineCertSANs { get; set; }

    /// <summary>The entries of <see cref="IpAddress"/>, trimmed (talhelper GetIPAddresses).</summary>
    public IReadOnlyList<string> IpAddresses => IpAddress.Split(',').Select(a => a.Trim()).ToList();

    /// <summary>The node keys that are not <see cref="NodeConfigs"/> keys: talhelper drops them silently when they appear in a group.</summary>
    public static readonly IReadOnlySet<string> NodeOnlyKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "hostname", "ipAddress", "controlPlane", "installDisk", "installDiskSelector", "ignoreHostname",
        "overridePatches", "overrideExtraManifests", "overrideMachineCertSANs",
    };
}
