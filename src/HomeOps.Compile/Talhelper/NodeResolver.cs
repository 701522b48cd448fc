using HomeOps.Model;
using HomeOps.Model.Talhelper;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Compile.Talhelper;

/// <summary>A node with its role group's settings folded in, and its patches in application order.</summary>
public sealed record ResolvedNode(Node Node, NodeConfigs Settings, IReadOnlyList<PatchSource> Patches)
{
    public string Hostname => Node.Hostname;
    public bool ControlPlane => Node.ControlPlane;
}

/// <summary>
/// A patch as written in talconfig: inline YAML, or "@path" to a file. <see cref="Stage"/> 0 is the node's own patches (group
/// then node), 1 the top-level ones: talhelper applies each stage in one call, templating both against the config as it was
/// before that stage.
/// </summary>
public sealed record PatchSource(YamlNode Patch, string Origin, SourceLocation At, int Stage = 0);

/// <summary>
/// talhelper's merge of a role group into a node (pkg/config/nodeconfigs.go mergeNodeConfigs @v3.1.16):
/// <list type="bullet">
/// <item>patches: the group's first, then the node's, unless the node sets overridePatches;</item>
/// <item>extraManifests and certSANs: the node's first, then the group's, unless overrideExtraManifests / overrideMachineCertSANs;</item>
/// <item>every other key: the node's value when it is set (Go's non-zero: a non-empty string, true, a list or map that is
/// present even if empty, a struct with any field set), else the group's. Nothing is merged key by key: a node's nodeLabels
/// replace the group's, and a node cannot turn a group's true off.</item>
/// </list>
/// Then the top-level patches run last, so they win.
/// </summary>
public static class NodeResolver
{
    public static IReadOnlyList<ResolvedNode> Resolve(TalConfig config, FindingBag? findings = null) =>
        config.Nodes.Select(node => Resolve(config, node, findings)).ToList();

    private static ResolvedNode Resolve(TalConfig config, Node node, FindingBag? findings)
    {
        var group = (node.ControlPlane ? config.ControlPlane : config.Worker) ?? new NodeGroup();
        var groupName = node.ControlPlane ? "controlPlane" : "worker";
        var settings = new NodeGroup
        {
            NodeLabels = node.NodeLabels ?? group.NodeLabels,
            NodeAnnotations = node.NodeAnnotations ?? group.NodeAnnotations,
            NodeTaints = node.NodeTaints ?? group.NodeTaints,
            MachineDisks = node.MachineDisks ?? group.MachineDisks,
            MachineFiles = node.MachineFiles ?? group.MachineFiles,
            DisableSearchDomain = node.DisableSearchDomain == true ? true : group.DisableSearchDomain,
            KernelModules = node.KernelModules ?? group.KernelModules,
            Nameservers = node.Nameservers ?? group.Nameservers,
            NetworkInterfaces = node.NetworkInterfaces ?? group.NetworkInterfaces,
            ExtraManifests = Appended(node.ExtraManifests, group.ExtraManifests, node.OverrideExtraManifests == true),
            CertSANs = Appended(node.CertSANs, group.CertSANs, node.OverrideMachineCertSANs == true),
            TalosImageURL = node.TalosImageURL is { Length: > 0 } ? node.TalosImageURL : group.TalosImageURL,
            NoSchematicValidate = node.NoSchematicValidate == true ? true : group.NoSchematicValidate,
            Schematic = node.Schematic ?? group.Schematic,
            ImageSchematic = node.ImageSchematic ?? group.ImageSchematic,
            MachineSpec = IsSet(node.MachineSpec) ? node.MachineSpec : group.MachineSpec,
            IngressFirewall = node.IngressFirewall ?? group.IngressFirewall,
            ExtensionServices = node.ExtensionServices ?? group.ExtensionServices,
            Volumes = node.Volumes ?? group.Volumes,
            UserVolumes = node.UserVolumes ?? group.UserVolumes,
            FilenameTmpl = node.FilenameTmpl is { Length: > 0 } ? node.FilenameTmpl : group.FilenameTmpl,
        };
        CopyLocations(settings, node, group);

        var patches = new List<PatchSource>();
        var groupPatches = Sources(group.Patches, $"{groupName}.patches", group.LocationOf("patches"), 0);
        var nodePatches = Sources(node.Patches, $"nodes[{node.Hostname}].patches", node.LocationOf("patches"), 0);
        if (node.OverridePatches == true)
        {
            // talhelper: the node's patches replace the group's, but a node without a patches key still takes the group's
            if (node.Patches is null && group.Patches is { Count: > 0 })
                findings?.Add(Finding.Warning("talos/config", node.LocationOf("overridePatches"),
                    $"overridePatches on {node.Hostname} has no effect without its own patches: talhelper then applies {groupName}.patches",
                    "write patches: [] on the node to apply none of the group's"));
            patches.AddRange(node.Patches is null ? groupPatches : nodePatches);
        }
        else
        {
            patches.AddRange(groupPatches);
            patches.AddRange(nodePatches);
        }
        patches.AddRange(Sources(config.Patches, "patches", config.LocationOf("patches"), 1));
        return new ResolvedNode(node, settings, patches);
    }

    /// <summary>certSANs and extraManifests: the node's then the group's, or the node's alone when overridden (or the group's when the node has none).</summary>
    private static List<string>? Appended(List<string>? node, List<string>? group, bool overridden) =>
        group is { Count: > 0 } && !overridden ? [.. node ?? [], .. group] : node ?? group;

    private static bool IsSet(MachineSpec? spec) =>
        spec is not null && (spec.Mode is { Length: > 0 } || spec.Arch is { Length: > 0 } || spec.Secureboot == true || spec.UseUKI == true
                             || spec.BootMethod is { Length: > 0 } || spec.ImageSuffix is { Length: > 0 });

    /// <summary>Findings about a merged setting point at whichever of node or group wrote it.</summary>
    private static void CopyLocations(NodeGroup settings, Node node, NodeGroup group)
    {
        settings.Adopt(node.Location);
        foreach (var key in typeof(NodeConfigs).GetProperties().Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]))
        {
            var fromNode = node.LocationOf(key);
            settings.Remember(key, fromNode != node.Location ? fromNode : group.LocationOf(key));
        }
    }

    private static IEnumerable<PatchSource> Sources(List<YamlNode>? patches, string origin, SourceLocation at, int stage) =>
        (patches ?? []).Select((p, i) => new PatchSource(p, $"{origin}[{i}]", at, stage));
}
