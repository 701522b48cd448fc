using System.Net;
using System.Text.Json.Nodes;
using HomeOps.Model.Init;
using HomeOps.Model.Network;
using HomeOps.Model.Yaml;

namespace HomeOps.Compile.Init;

/// <summary>
/// The Talos side of a new repository: talconfig.yaml (talhelper's format, docs/talconfig.md) and the
/// two patches every node gets. Only facts from the spec vary; the rest is the reference cluster's
/// configuration, which `homeops check` proves valid for the spec's Talos line.
/// </summary>
public static class TalosFiles
{
    public const string ClusterPatch = "talos/patches/cluster.yaml";
    public const string ControlPlanePatch = "talos/patches/controlplane.yaml";

    // Longhorn needs iscsiadm and the util-linux tools on the host (longhorn.io/docs/1.9.1/deploy/install,
    // "Installation Requirements"; Talos ships them as system extensions).
    private static readonly string[] LonghornExtensions = ["siderolabs/iscsi-tools", "siderolabs/util-linux-tools"];

    public static IEnumerable<GeneratedFile> For(ClusterSpec spec)
    {
        yield return new GeneratedFile("talconfig.yaml", Header(spec, "The Talos cluster, in talhelper's format (homeops docs/talconfig.md).") + YamlJson.ToYaml([TalConfig(spec)]));
        yield return new GeneratedFile(ClusterPatch, "# Applied to every node: cluster-wide settings talconfig.yaml has no field for.\n" + YamlJson.ToYaml([ClusterPatchOf(spec)]));
        yield return new GeneratedFile(ControlPlanePatch, "# Control-plane settings.\n" + YamlJson.ToYaml([ControlPlanePatchOf(spec)]));
    }

    internal static string Header(ClusterSpec spec, string what) =>
        $"# {what}\n# Written by `homeops init` from cluster-spec.yaml for {spec.Cluster.Name}; edit freely: init never overwrites a file you changed.\n";

    private static JsonObject TalConfig(ClusterSpec spec)
    {
        var network = spec.Network;
        var v6 = network.Ipv6;
        var config = new JsonObject
        {
            ["clusterName"] = spec.Cluster.Name,
            ["talosVersion"] = spec.Cluster.TalosVersion,
            ["kubernetesVersion"] = spec.Cluster.KubernetesVersion,
            ["endpoint"] = $"https://{network.Vip}:6443",
            ["allowSchedulingOnControlPlanes"] = spec.ControlPlanesRunWorkloads(),
            ["additionalApiServerCertSans"] = Array(network.Vip),
            ["additionalMachineCertSans"] = Array(network.Vip),
            ["clusterPodNets"] = Array([network.PodCidr, .. v6 is null ? [] : new[] { v6.PodCidr }]),
            ["clusterSvcNets"] = Array([network.ServiceCidr, .. v6 is null ? [] : new[] { v6.ServiceCidr }]),
            // Cilium is installed by `homeops bootstrap`, then adopted by Flux.
            ["cniConfig"] = new JsonObject { ["name"] = "none" },
            ["patches"] = Array($"@./{ClusterPatch}"),
            ["controlPlane"] = Group(spec, ControlPlanePatch, runsWorkloads: spec.ControlPlanesRunWorkloads()),
        };
        if (spec.Nodes.Any(n => !n.ControlPlane)) config["worker"] = Group(spec, null, runsWorkloads: true);
        config["nodes"] = new JsonArray([.. spec.Nodes.Select(n => (JsonNode)Node(spec, n))]);
        return config;
    }

    /// <summary>A node group's settings; Longhorn's extensions and data volume go only where pods run (with workers, not the control planes).</summary>
    private static JsonObject Group(ClusterSpec spec, string? patch, bool runsWorkloads)
    {
        var group = new JsonObject { ["nameservers"] = Array([.. Nameservers(spec)]) };
        if (spec.Components.Longhorn && runsWorkloads)
        {
            group["schematic"] = new JsonObject
            {
                ["customization"] = new JsonObject { ["systemExtensions"] = new JsonObject { ["officialExtensions"] = Array(LonghornExtensions) } },
            };
            group["userVolumes"] = new JsonArray(new JsonObject
            {
                ["name"] = "longhorn",
                ["provisioning"] = new JsonObject
                {
                    ["diskSelector"] = new JsonObject { ["match"] = $"disk.model == \"{spec.Storage.SsdModel}\" && !system_disk" },
                    ["minSize"] = "100GiB",
                    ["grow"] = true,
                },
                ["filesystem"] = new JsonObject { ["type"] = "xfs" },
            });
        }
        if (patch is not null) group["patches"] = Array($"@./{patch}");
        return group;
    }

    private static IEnumerable<string> Nameservers(ClusterSpec spec) =>
        spec.Network.Nameservers.Count > 0 ? spec.Network.Nameservers : [spec.Network.Gateway];

    private static JsonObject Node(ClusterSpec spec, SpecNode node)
    {
        var network = spec.Network;
        var prefix = Prefix(network.NodeCidr);
        var v6 = network.Ipv6;
        var addresses = new List<string> { $"{node.Address}/{prefix}" };
        var routes = new JsonArray(new JsonObject { ["network"] = "0.0.0.0/0", ["gateway"] = network.Gateway });
        if (v6 is not null && node.Ipv6Address is not null)
        {
            addresses.Add($"{node.Ipv6Address}/{Prefix(v6.NodeCidr)}");
            routes.Add(new JsonObject { ["network"] = "::/0", ["gateway"] = v6.Gateway });
        }
        var link = new JsonObject
        {
            ["deviceSelector"] = node.Mac is null ? new JsonObject { ["physical"] = true } : new JsonObject { ["hardwareAddr"] = node.Mac.ToLowerInvariant() },
        };
        if (network.Mtu != 1500) link["mtu"] = network.Mtu;
        // On a tagged port the node network is a VLAN sub-interface of the link: it holds the addresses, routes and VIP
        // (the link's MTU above is the ceiling for the VLAN's own).
        var holder = link;
        if (network.Vlan is { } vlanId)
        {
            holder = new JsonObject { ["vlanId"] = vlanId };
            if (network.Mtu != 1500) holder["mtu"] = network.Mtu;
            link["vlans"] = new JsonArray(holder);
        }
        holder["addresses"] = Array([.. addresses]);
        holder["routes"] = routes;
        if (node.ControlPlane) holder["vip"] = new JsonObject { ["ip"] = network.Vip };
        var result = new JsonObject
        {
            ["hostname"] = node.Hostname,
            ["ipAddress"] = node.Address,
            ["controlPlane"] = node.ControlPlane,
        };
        var disk = node.InstallDisk;
        if (disk.Path is not null) result["installDisk"] = disk.Path;
        else result["installDiskSelector"] = disk.Model is not null ? new JsonObject { ["model"] = disk.Model } : new JsonObject { ["serial"] = disk.Serial };
        result["networkInterfaces"] = new JsonArray(link);
        return result;
    }

    private static JsonObject ClusterPatchOf(ClusterSpec spec)
    {
        var nodeNets = NodeNetworks(spec);
        var kubelet = new JsonObject { ["nodeIP"] = new JsonObject { ["validSubnets"] = Array([.. nodeNets]) } };
        if (spec.Components.Longhorn)
            // The kubelet runs in its own mount namespace and sees only the host paths it is given: Longhorn's data path
            // (the user volume, mounted at /var/mnt/longhorn; infrastructure/longhorn defaultDataPath) must reach it, shared so
            // the volumes Longhorn mounts there propagate back to the host.
            kubelet["extraMounts"] = new JsonArray(new JsonObject
            {
                ["destination"] = "/var/mnt/longhorn",
                ["type"] = "bind",
                ["source"] = "/var/mnt/longhorn",
                ["options"] = Array("bind", "rshared", "rw"),
            });
        var machine = new JsonObject
        {
            ["kubelet"] = kubelet,
            // pod and service names resolve through cluster DNS; the host's search domain only adds wrong answers
            ["network"] = new JsonObject { ["disableSearchDomain"] = true },
            ["features"] = new JsonObject
            {
                ["kubePrism"] = new JsonObject { ["enabled"] = true, ["port"] = 7445 },
                ["hostDNS"] = new JsonObject { ["enabled"] = true, ["forwardKubeDNSToHost"] = true },
            },
        };
        if (spec.Components.Longhorn || spec.Components.Monitoring)
            // Longhorn and Prometheus open many files and inotify watches (the kernel defaults run out)
            machine["sysctls"] = new JsonObject { ["fs.inotify.max_user_watches"] = "1048576", ["fs.inotify.max_user_instances"] = "8192" };
        return new JsonObject
        {
            // No kube-proxy: Cilium replaces it (infrastructure/cilium, kubeProxyReplacement).
            ["cluster"] = new JsonObject { ["proxy"] = new JsonObject { ["disabled"] = true } },
            ["machine"] = machine,
        };
    }

    /// <summary>
    /// The IPv6 pod range each node gets: 16 bits below the cluster's (the /80 of the reference gives /96). The controller
    /// manager's default, /64, is wider than a /80 pod range, and it then allocates no node a range at all.
    /// </summary>
    public static int NodePodPrefixV6(ClusterSpec spec) =>
        spec.Network.Ipv6 is { } v6 ? Math.Min(Prefix(v6.PodCidr) + 16, 120) : throw new ArgumentException("the spec is IPv4 only", nameof(spec));

    private static JsonObject ControlPlanePatchOf(ClusterSpec spec)
    {
        // etcd must peer over the node network, never over the VIP or a second interface.
        var cluster = new JsonObject { ["etcd"] = new JsonObject { ["advertisedSubnets"] = Array(spec.Network.NodeCidr) } };
        var controllerManager = new JsonObject();
        if (spec.Network.Ipv6 is not null)
            controllerManager["node-cidr-mask-size-ipv6"] = NodePodPrefixV6(spec).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (spec.Components.Monitoring)
        {
            // Prometheus scrapes the controller manager and scheduler metrics from the node address, not only localhost
            controllerManager["bind-address"] = "0.0.0.0";
            cluster["scheduler"] = new JsonObject { ["extraArgs"] = new JsonObject { ["bind-address"] = "0.0.0.0" } };
        }
        if (controllerManager.Count > 0) cluster["controllerManager"] = new JsonObject { ["extraArgs"] = controllerManager };
        return new JsonObject
        {
            ["cluster"] = cluster,
            ["machine"] = new JsonObject
            {
                ["features"] = new JsonObject
                {
                    // homeops etcd snapshot runs as a Kubernetes job with the os:etcd:backup role.
                    ["kubernetesTalosAPIAccess"] = new JsonObject
                    {
                        ["enabled"] = true,
                        ["allowedRoles"] = Array("os:etcd:backup"),
                        ["allowedKubernetesNamespaces"] = Array("kube-system"),
                    },
                },
            },
        };
    }

    private static IEnumerable<string> NodeNetworks(ClusterSpec spec) =>
        spec.Network.Ipv6 is { } v6 ? [spec.Network.NodeCidr, v6.NodeCidr] : [spec.Network.NodeCidr];

    private static int Prefix(string cidr) => Cidr.TryParseInterface(cidr, out _, out IPNetwork network) ? network.PrefixLength : 0;

    private static JsonArray Array(params string[] items) => new([.. items.Select(i => (JsonNode)JsonValue.Create(i))]);
}
