using System.Collections;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Model.Init;
using HomeOps.Model.Network;
using HomeOps.Model.Repository;
using HomeOps.Model.Talhelper;
using HomeOps.Model.Yaml;

namespace HomeOps.Compile.Init;

/// <summary>
/// `homeops init --import talconfig.yaml`: what a talhelper user's config already says about the cluster (name, versions,
/// VIP, node network, gateway, nameservers, pod and service ranges, and per node its address, install disk and MAC), as
/// the start of a cluster spec. Only the facts the spec holds are taken; what has no place in it (patches, extensions,
/// extra interfaces) is named in a note, so the operator knows to carry it over by hand.
/// </summary>
public static partial class TalConfigImport
{
    public const string Rule = "init/import";

    /// <summary>
    /// The spec as far as talconfig.yaml at <paramref name="path"/> says (read as the Talos compiler reads it, its variables
    /// substituted); the parts it cannot say (domains, load balancer, 1Password, Git) stay empty. Null when it cannot be read.
    /// Like every talconfig finding, none of these quotes a substituted value.
    /// </summary>
    public static ClusterSpec? From(ISourceTree tree, string path, IDictionary environment, FindingBag findings)
    {
        var config = TalosCompiler.Load(tree, path, environment, findings, out var substituted);
        if (config is null || findings.HasErrors) return null;
        var notes = new FindingBag();
        var spec = From(config, notes);
        foreach (var note in notes.Sorted()) findings.Add(Redaction.Apply(note, substituted));
        return spec;
    }

    private static ClusterSpec From(TalConfig config, FindingBag findings)
    {
        var spec = new ClusterSpec();
        spec.Cluster.Name = config.ClusterName;
        if (config.TalosVersion is { } talos) spec.Cluster.TalosVersion = talos;
        if (config.KubernetesVersion is { } kubernetes) spec.Cluster.KubernetesVersion = kubernetes;

        var ipv4 = Family(config.ClusterPodNets, AddressFamily.InterNetwork);
        var ipv6 = Family(config.ClusterPodNets, AddressFamily.InterNetworkV6);
        if (ipv4 is not null) spec.Network.PodCidr = ipv4;
        if (Family(config.ClusterSvcNets, AddressFamily.InterNetwork) is { } services) spec.Network.ServiceCidr = services;
        spec.Network.Nameservers = config.ControlPlane?.Nameservers ?? config.Nodes.Select(n => n.Nameservers).FirstOrDefault(n => n is not null) ?? [];
        if (Uri.TryCreate(config.Endpoint, UriKind.Absolute, out var endpoint) && Cidr.TryParseAddress(endpoint.Host.Trim('[', ']'), out _))
            spec.Network.Vip = endpoint.Host;
        else
            findings.Add(Finding.Warning(Rule, config.LocationOf("endpoint"), $"endpoint {config.Endpoint} names no address: the VIP is asked for",
                "the spec's VIP is the address the control planes share (talconfig's endpoint host)"));

        foreach (var node in config.Nodes)
            spec.Nodes.Add(Node(node, spec, findings));

        var v6Node = spec.Nodes.Select(n => n.Ipv6Address).FirstOrDefault(a => a is not null);
        if (ipv6 is not null && Family(config.ClusterSvcNets, AddressFamily.InterNetworkV6) is { } services6 && v6Node is not null
            && Interfaces(config.Nodes[0]).SelectMany(i => i.Addresses ?? []).FirstOrDefault(a => a.Contains(':', StringComparison.Ordinal)) is { } v6Interface
            && Cidr.TryParseInterface(v6Interface, out _, out var v6Network))
        {
            spec.Network.Ipv6 = new SpecIpv6
            {
                NodeCidr = v6Network.ToString(),
                Gateway = Gateway(config.Nodes[0], "::/0") ?? "",
                PodCidr = ipv6,
                ServiceCidr = services6,
            };
        }

        if (UserVolumeModel().Match(string.Join('\n', (config.ControlPlane?.UserVolumes ?? []).Concat(config.Nodes.SelectMany(n => n.UserVolumes ?? []))
                .Select(v => v.Provisioning?.DiskSelector?.Match ?? ""))) is { Success: true } ssd)
            spec.Storage.SsdModel = ssd.Groups[1].Value;

        var leftBehind = new List<string>();
        if (config.Patches is { Count: > 0 } || config.ControlPlane?.Patches is { Count: > 0 } || config.Worker?.Patches is { Count: > 0 }
            || config.Nodes.Any(n => n.Patches is { Count: > 0 })) leftBehind.Add("patches");
        if (config.ControlPlane?.Schematic is not null || config.Worker?.Schematic is not null || config.Nodes.Any(n => n.Schematic is not null))
            leftBehind.Add("schematics (extensions, kernel arguments)");
        if (config.InlineManifests is { Count: > 0 }) leftBehind.Add("inlineManifests");
        if (config.ControlPlane?.ExtensionServices is { Count: > 0 } || config.Nodes.Any(n => n.ExtensionServices is { Count: > 0 })) leftBehind.Add("extensionServices");
        if (leftBehind.Count > 0)
            findings.Add(new Finding(Rule, Severity.Info, config.Location,
                $"not imported (the spec has no place for them): {string.Join(", ", leftBehind)}",
                "homeops writes the reference cluster's patches and schematic; carry over what your cluster needs by hand, then `homeops check`"));
        return spec;
    }

    private static SpecNode Node(Node node, ClusterSpec spec, FindingBag findings)
    {
        var imported = new SpecNode { Hostname = node.Hostname, Address = node.IpAddress, ControlPlane = node.ControlPlane };
        if (node.InstallDisk is { } path) imported.InstallDisk = new SpecInstallDisk { Path = path };
        else if (node.InstallDiskSelector is { Model: { } model }) imported.InstallDisk = new SpecInstallDisk { Model = model };
        else if (node.InstallDiskSelector is { Serial: { } serial }) imported.InstallDisk = new SpecInstallDisk { Serial = serial };
        else
            findings.Add(Finding.Warning(Rule, node.LocationOf(node.InstallDiskSelector is null ? "hostname" : "installDiskSelector"),
                $"{node.Hostname}: no installDisk, installDiskSelector.model or .serial: its install disk is asked for",
                "the spec selects the install disk by /dev path, model or serial"));

        var interfaces = Interfaces(node).ToList();
        var own = interfaces.FirstOrDefault(i => (i.Addresses ?? []).Any(a => a.StartsWith(node.IpAddress + "/", StringComparison.Ordinal)));
        if (own is null)
        {
            findings.Add(Finding.Warning(Rule, node.LocationOf("ipAddress"), $"{node.Hostname}: no interface holds {node.IpAddress} with a prefix (DHCP?): the node network is asked for",
                "the spec writes static addresses; give the interface addresses: [ADDRESS/PREFIX] and a default route"));
            return imported;
        }
        var address = own.Addresses!.First(a => a.StartsWith(node.IpAddress + "/", StringComparison.Ordinal));
        if (Cidr.TryParseInterface(address, out _, out var network) && spec.Network.NodeCidr.Length == 0) spec.Network.NodeCidr = network.ToString();
        imported.Ipv6Address = own.Addresses!.Where(a => a.Contains(':', StringComparison.Ordinal)).Select(a => a.Split('/')[0]).FirstOrDefault();
        if (Gateway(node, "0.0.0.0/0") is { } gateway && spec.Network.Gateway.Length == 0) spec.Network.Gateway = gateway;
        if (own.Mtu is { } mtu) spec.Network.Mtu = mtu;
        if (own is { DeviceSelector.HardwareAddr: { } mac }) imported.Mac = mac;
        // the node network is tagged when the node's address sits on a VLAN sub-interface (init renders one again)
        if (own.Vlans?.FirstOrDefault(v => (v.Addresses ?? []).Contains(address)) is { VlanId: { } id }) spec.Network.Vlan = id;
        if (interfaces.Count > 1)
            findings.Add(new Finding(Rule, Severity.Info, node.LocationOf("networkInterfaces"),
                $"{node.Hostname}: only the interface holding {node.IpAddress} is imported ({interfaces.Count - 1} more: bonds, storage networks, ...)",
                "add the others as a patch after init"));
        return imported;
    }

    /// <summary>A node's interfaces, a VLAN's addresses and routes counted as its parent's (where the node's address may live).</summary>
    private static IEnumerable<NetworkInterface> Interfaces(Node node) =>
        (node.NetworkInterfaces ?? []).Select(i => i.Vlans is { Count: > 0 } vlans
            ? new NetworkInterface
            {
                DeviceSelector = i.DeviceSelector,
                Mtu = vlans[0].Mtu ?? i.Mtu,
                Vlans = vlans,
                Addresses = [.. i.Addresses ?? [], .. vlans.SelectMany(v => v.Addresses ?? [])],
                Routes = [.. i.Routes ?? [], .. vlans.SelectMany(v => v.Routes ?? [])],
            }
            : i);

    private static string? Gateway(Node node, string defaultRoute) =>
        Interfaces(node).SelectMany(i => i.Routes ?? []).FirstOrDefault(r => r.Network == defaultRoute || (r.Network is null && defaultRoute == "0.0.0.0/0"))?.Gateway;

    private static string? Family(List<string>? networks, AddressFamily family) =>
        (networks ?? []).FirstOrDefault(n => Cidr.TryParseInterface(n, out var address, out _) && address.AddressFamily == family);

    // talhelper's userVolumes select their disk by a CEL expression; the reference's form is disk.model == "..."
    [GeneratedRegex("disk\\.model\\s*==\\s*\"([^\"]+)\"")]
    private static partial Regex UserVolumeModel();
}
