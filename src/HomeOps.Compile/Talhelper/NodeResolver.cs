using System.Text.Json.Nodes;
using HomeOps.Model;
using HomeOps.Model.Talhelper;

namespace HomeOps.Compile.Talhelper;


/// <summary>A node with its role group's defaults folded in, and its patches in application order.</summary>
public sealed record ResolvedNode(Node Node, NodeSettings Settings, IReadOnlyList<PatchSource> Patches)
{
    public string Hostname => Node.Hostname;
    public bool ControlPlane => Node.ControlPlane;
}

/// <summary>A patch as written in talconfig: inline YAML, or "@path" to a file; Origin says where for messages.</summary>
public sealed record PatchSource(JsonNode Patch, string Origin, SourceLocation At);

/// <summary>
/// Applies talhelper's precedence: a value set on the node wins over the controlPlane:/worker:
/// group; labels and annotations merge key by key; patches run group → node → top-level, so the
/// top-level ones win (talhelper's GenerateConfig order).
/// </summary>
public static class NodeResolver
{
    public static IReadOnlyList<ResolvedNode> Resolve(TalConfig config) =>
        config.Nodes.Select(node => Resolve(config, node)).ToList();

    private static ResolvedNode Resolve(TalConfig config, Node node)
    {
        var group = node.ControlPlane ? config.ControlPlane : config.Worker;
        var groupName = node.ControlPlane ? "controlPlane" : "worker";
        var settings = new NodeGroup
        {
            InstallDisk = node.InstallDisk ?? (node.InstallDiskSelector is null ? group?.InstallDisk : null),
            InstallDiskSelector = node.InstallDiskSelector ?? (node.InstallDisk is null ? group?.InstallDiskSelector : null),
            DisableSearchDomain = node.DisableSearchDomain ?? group?.DisableSearchDomain,
            Nameservers = node.Nameservers ?? group?.Nameservers,
            NetworkInterfaces = node.NetworkInterfaces ?? group?.NetworkInterfaces,
            NodeLabels = MergeMaps(group?.NodeLabels, node.NodeLabels),
            NodeAnnotations = MergeMaps(group?.NodeAnnotations, node.NodeAnnotations),
            NodeTaints = MergeMaps(group?.NodeTaints, node.NodeTaints),
            KernelModules = node.KernelModules ?? group?.KernelModules,
            MachineFiles = node.MachineFiles ?? group?.MachineFiles,
            MachineDisks = node.MachineDisks ?? group?.MachineDisks,
            CertSANs = node.CertSANs ?? group?.CertSANs,
            Schematic = node.Schematic ?? group?.Schematic,
            TalosImageURL = node.TalosImageURL ?? group?.TalosImageURL,
            SystemDiskEncryption = node.SystemDiskEncryption ?? group?.SystemDiskEncryption,
            UserVolumes = node.UserVolumes ?? group?.UserVolumes,
            ExtensionServices = node.ExtensionServices ?? group?.ExtensionServices,
            Volumes = node.Volumes ?? group?.Volumes,
        };
        var patches = new List<PatchSource>();
        patches.AddRange(Sources(group?.Patches, $"{groupName}.patches", group?.LocationOf("patches")));
        patches.AddRange(Sources(node.Patches, $"nodes[{node.Hostname}].patches", node.LocationOf("patches")));
        patches.AddRange(Sources(config.Patches, "patches", config.LocationOf("patches")));
        return new ResolvedNode(node, settings, patches);
    }

    private static IEnumerable<PatchSource> Sources(List<JsonNode>? patches, string origin, SourceLocation? at) =>
        (patches ?? []).Select((p, i) => new PatchSource(p, $"{origin}[{i}]", at ?? default));

    private static Dictionary<string, string>? MergeMaps(Dictionary<string, string>? group, Dictionary<string, string>? node)
    {
        if (group is null) return node;
        if (node is null) return group;
        var merged = new Dictionary<string, string>(group);
        foreach (var (k, v) in node) merged[k] = v;
        return merged;
    }
}
