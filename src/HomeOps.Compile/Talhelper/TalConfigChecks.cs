using System.Net;
using System.Text.RegularExpressions;
using HomeOps.Compile.Talhelper.Templates;
using HomeOps.Compile.Talos.Lines;
using HomeOps.Model;
using HomeOps.Model.Network;
using HomeOps.Model.Talhelper;

namespace HomeOps.Compile.Talhelper;

/// <summary>
/// The checks talhelper's validator makes (pkg/config/validator.go @v3.1.16) and the ones talosctl or the API server would
/// make later, done before anything is generated: names, addresses and ranges parse, nothing overlaps, the VIP sits in the
/// node subnet and is the endpoint, every node has exactly one install disk, dual-stack is consistent, labels, taints,
/// files, firewall rules and schematics are well formed.
/// </summary>
public static partial class TalConfigChecks
{
    /// <summary>talhelper isHostname: RFC 1123 labels joined by dots (an FQDN is a hostname), at most 255 characters.</summary>
    [GeneratedRegex(@"^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]{0,61}[a-zA-Z0-9]))*$")]
    private static partial Regex Hostname();

    /// <summary>talhelper isDomain.</summary>
    [GeneratedRegex(@"^([a-zA-Z0-9_]{1}[a-zA-Z0-9_-]{0,62}){1}(\.[a-zA-Z0-9_]{1}[a-zA-Z0-9_-]{0,62})*[\._]?$")]
    private static partial Regex Domain();

    /// <summary>A Kubernetes qualified name with an optional DNS-subdomain prefix (labels.Validate).</summary>
    [GeneratedRegex(@"^(([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)/)?([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    public static void Check(TalConfig config, IReadOnlyList<ResolvedNode> nodes, FindingBag findings)
    {
        // an RFC 1123 label: clusterName also names the output files
        if (!DnsName.IsLabel(config.ClusterName))
            findings.Add(Finding.Error("talos/config", config.LocationOf("clusterName"), $"clusterName '{config.ClusterName}' is not a DNS label",
                "use lowercase letters, digits and '-', e.g. home-ops"));
        if (config.Domain is { Length: > 0 } domain && !Domain().IsMatch(domain))
            findings.Add(Finding.Error("talos/config", config.LocationOf("domain"), $"domain '{domain}' is not a valid domain", "e.g. cluster.local"));
        var pods = Networks(config, config.ClusterPodNets, "clusterPodNets", findings);
        var services = Networks(config, config.ClusterSvcNets, "clusterSvcNets", findings);
        CheckDualStack(config, pods, services, findings);
        var nodeNetworks = CheckNodes(config, nodes, findings);
        CheckOverlaps([.. pods, .. services, .. nodeNetworks], findings);
        CheckVip(config, nodes, findings);
        if (config.CniConfig is { } cni) CheckCni(cni, findings);
        foreach (var (manifest, i) in (config.InlineManifests ?? []).Select((m, i) => (m, i)))
            if ((config.InlineManifests ?? []).Take(i).Any(m => m.Name == manifest.Name))
                findings.Add(Finding.Error("talos/config", manifest.LocationOf("name"), $"inlineManifests: duplicate name '{manifest.Name}'", "names must be unique"));
        if (config.ImageFactory is { } factory)
        {
            foreach (var (key, template) in new[] { ("installerURLTmpl", factory.InstallerURLTmpl), ("ISOURLTmpl", factory.IsoUrlTmpl ?? factory.ImageURLTmpl) })
                if (template is { Length: > 0 })
                    try { GoTemplate.Parse(key, template); }
                    catch (TemplateException e) { findings.Add(Finding.Error("talos/config", factory.LocationOf(key), e.Message, "fix the Go template")); }
            if (factory.Protocol is { Length: > 0 } protocol && protocol is not ("http" or "https"))
                findings.Add(Finding.Error("talos/config", factory.LocationOf("protocol"), $"imageFactory.protocol '{protocol}' is not http or https", "use https"));
        }
    }

    /// <summary>A version in talconfig: talhelper adds a missing leading v; pre-releases are fine.</summary>
    public static ReleaseVersion? Version(TalConfig config, string key, string? value, FindingBag findings)
    {
        if (value is null) return null;
        if (ReleaseVersion.TryParse(value, out var version)) return version;
        findings.Add(Finding.Error("talos/config", config.LocationOf(key), $"{key} '{value}' is not a version like v1.10.5",
            $"write the full version, e.g. {key}: v1.10.5 (quoted if YAML would read it as a number)"));
        return null;
    }

    private sealed record Range(IPNetwork Network, string Name, SourceLocation At);

    private static List<Range> Networks(TalConfig config, List<string>? values, string key, FindingBag findings)
    {
        var result = new List<Range>();
        foreach (var text in values ?? [])
        {
            if (Cidr.TryParseNetwork(text, out var network)) result.Add(new Range(network, $"{key} {text}", config.LocationOf(key)));
            else if (network != default)
            {
                // checked further as what Kubernetes makes of it (net.ParseCIDR masks), so no second error follows from this one
                result.Add(new Range(network, $"{key} {text}", config.LocationOf(key)));
                findings.Add(Finding.Error("talos/config", config.LocationOf(key), $"{key}: '{text}' has host bits set; as a network it means {network}",
                    $"write {network} if that is meant, or lengthen the prefix so the range starts at the given address"));
            }
            else findings.Add(Finding.Error("talos/config", config.LocationOf(key), $"{key}: '{text}' is not a valid network CIDR",
                "write it as address/prefix, e.g. 10.244.0.0/16"));
        }
        return result;
    }

    private static void CheckOverlaps(IReadOnlyList<Range> ranges, FindingBag findings)
    {
        for (var i = 0; i < ranges.Count; i++)
            for (var j = i + 1; j < ranges.Count; j++)
                if (Cidr.Overlaps(ranges[i].Network, ranges[j].Network))
                    findings.Add(Finding.Error("network/cidr-overlap", ranges[j].At,
                        $"{ranges[j].Name} overlaps {ranges[i].Name}", "pod, service and node networks must be disjoint"));
    }

    private static void CheckDualStack(TalConfig config, List<Range> pods, List<Range> services, FindingBag findings)
    {
        static (bool V4, bool V6) Families(List<Range> r) => (r.Any(x => !Cidr.IsV6(x.Network)), r.Any(x => Cidr.IsV6(x.Network)));
        var (podV4, podV6) = Families(pods);
        var (svcV4, svcV6) = Families(services);
        if (pods.Count > 0 && services.Count > 0 && (podV4 != svcV4 || podV6 != svcV6))
            findings.Add(Finding.Error("network/dual-stack-mismatch", config.LocationOf("clusterSvcNets"),
                $"pod networks are {Describe(podV4, podV6)} but service networks are {Describe(svcV4, svcV6)}",
                "dual-stack needs one IPv4 and one IPv6 range in both clusterPodNets and clusterSvcNets"));
        foreach (var (list, key) in new[] { (pods, "clusterPodNets"), (services, "clusterSvcNets") })
            if (list.Count(x => Cidr.IsV6(x.Network)) > 1 || list.Count(x => !Cidr.IsV6(x.Network)) > 1)
                findings.Add(Finding.Error("network/dual-stack-mismatch", config.LocationOf(key),
                    $"{key} holds more than one range of the same family", "Kubernetes accepts at most one IPv4 and one IPv6 range"));
    }

    private static string Describe(bool v4, bool v6) => (v4, v6) switch
    {
        (true, true) => "dual-stack",
        (true, false) => "IPv4-only",
        (false, true) => "IPv6-only",
        _ => "empty",
    };

    private static void CheckCni(CniConfig cni, FindingBag findings)
    {
        if (cni.Name is not ("none" or "flannel" or "custom"))
            findings.Add(Finding.Error("talos/config", cni.LocationOf("name"), $"cniConfig.name '{cni.Name}' is not one of none, flannel, custom",
                "use 'none' when the CNI (e.g. Cilium) is installed separately"));
        else if (cni.Name == "custom" && cni.Urls is not { Count: > 0 })
            findings.Add(Finding.Error("talos/config", cni.LocationOf("name"), "cniConfig 'custom' needs urls", "list the CNI manifests under urls:"));
        else if (cni.Name != "custom" && cni.Urls is { Count: > 0 })
            findings.Add(Finding.Error("talos/config", cni.LocationOf("urls"), $"cniConfig '{cni.Name}' takes no urls", "remove urls, or use name: custom"));
        if (cni.Flannel is not null && cni.Name != "flannel")
            findings.Add(Finding.Error("talos/config", cni.LocationOf("flannel"), $"cniConfig.flannel is only for name: flannel", "remove it"));
    }

    private static List<Range> CheckNodes(TalConfig config, IReadOnlyList<ResolvedNode> nodes, FindingBag findings)
    {
        var networks = new List<Range>();
        var hostnames = new Dictionary<string, Node>(StringComparer.OrdinalIgnoreCase);
        var addresses = new Dictionary<IPAddress, Node>();
        if (nodes.Count == 0)
            findings.Add(Finding.Error("talos/config", config.LocationOf("nodes"), "no nodes", "list the cluster's machines under nodes:"));
        else if (!nodes.Any(n => n.ControlPlane))
            findings.Add(Finding.Error("talos/config", config.LocationOf("nodes"), "no node has controlPlane: true",
                "a cluster needs at least one control-plane node (three for etcd quorum)"));
        foreach (var resolved in nodes)
        {
            var node = resolved.Node;
            var s = resolved.Settings;
            if (node.Hostname.Length > 255 || !Hostname().IsMatch(node.Hostname))
                findings.Add(Finding.Error("talos/config", node.LocationOf("hostname"), $"hostname '{node.Hostname}' is not a valid hostname",
                    "use letters, digits and '-' in dot-separated labels (an FQDN such as node1.lab.example.net is fine)"));
            else if (!hostnames.TryAdd(node.Hostname, node))
                findings.Add(Finding.Error("talos/config", node.LocationOf("hostname"), $"duplicate hostname '{node.Hostname}'",
                    $"already used at {hostnames[node.Hostname].LocationOf("hostname")}; hostnames must be unique"));
            foreach (var entry in node.IpAddresses)
            {
                if (Cidr.TryParseAddress(entry, out var ip))
                {
                    if (!addresses.TryAdd(ip, node))
                        findings.Add(Finding.Error("talos/config", node.LocationOf("ipAddress"), $"duplicate ipAddress {ip} ({node.Hostname} and {addresses[ip].Hostname})",
                            "every node needs its own address"));
                }
                else if (entry.Length == 0 || !Domain().IsMatch(entry) || entry.TrimEnd('.').Split('.')[^1].All(char.IsDigit))
                    findings.Add(Finding.Error("talos/config", node.LocationOf("ipAddress"), $"ipAddress '{entry}' of {node.Hostname} is not an IP address or DNS name",
                        "write the node's address, e.g. 172.29.51.11 (several: comma-separated)"));
            }
            var disks = (node.InstallDisk is null ? 0 : 1) + (node.InstallDiskSelector is null ? 0 : 1);
            if (disks != 1)
                findings.Add(Finding.Error("talos/config", node.Location,
                    disks == 0 ? $"node {node.Hostname} has no installDisk or installDiskSelector" : $"node {node.Hostname} sets both installDisk and installDiskSelector",
                    "give exactly one on the node: installDisk: /dev/sda, or installDiskSelector: {model: ...}"));
            foreach (var ns in s.Nameservers ?? [])
                if (!IPAddress.TryParse(ns, out _))
                    findings.Add(Finding.Error("talos/config", s.LocationOf("nameservers"), $"nameserver '{ns}' of {node.Hostname} is not an IP address", "e.g. 1.1.1.1"));
            CheckLabels(resolved, findings);
            CheckFiles(resolved, findings);
            CheckInterfaces(resolved, findings);
            CheckMachineSpec(resolved, findings);
            CheckFirewall(resolved, findings);
            CheckSchematic(resolved, findings);
            CheckVolumes(resolved, findings);
            if (s.TalosImageURL is { Length: > 0 } url && (url.Contains('@', StringComparison.Ordinal) || url[(url.LastIndexOf('/') + 1)..].Contains(':', StringComparison.Ordinal)))
                findings.Add(Finding.Error("talos/config", s.LocationOf("talosImageURL"), $"talosImageURL '{url}' names a tag or digest",
                    "give the image name only; the Talos version is appended as the tag"));
            foreach (var nic in s.NetworkInterfaces ?? [])
                foreach (var address in nic.Addresses ?? [])
                {
                    if (!Cidr.TryParseInterface(address, out var _, out var network))
                    {
                        if (!IPAddress.TryParse(address, out _))
                            findings.Add(Finding.Error("talos/config", nic.LocationOf("addresses"), $"interface address '{address}' of {node.Hostname} is not address/prefix",
                                "e.g. 172.29.51.11/24"));
                    }
                    else networks.Add(new Range(network, $"node network {network}", nic.LocationOf("addresses")));
                }
        }
        return networks.DistinctBy(r => r.Network).ToList();
    }

    private static void CheckLabels(ResolvedNode resolved, FindingBag findings)
    {
        var s = resolved.Settings;
        foreach (var (key, map) in new[] { ("nodeLabels", s.NodeLabels), ("nodeAnnotations", s.NodeAnnotations) })
            foreach (var (name, value) in map ?? [])
            {
                if (!QualifiedName().IsMatch(name) || name.Split('/')[^1].Length > 63)
                    findings.Add(Finding.Error("talos/config", s.LocationOf(key), $"{key}: '{name}' is not a valid key", "a key is [prefix/]name with name ≤ 63 characters of [A-Za-z0-9-_.]"));
                if (key == "nodeLabels" && !GoTemplate.IsTemplate(value) && (value.Length > 63 || !LabelValue().IsMatch(value)))
                    findings.Add(Finding.Error("talos/config", s.LocationOf(key), $"nodeLabels: value '{value}' of '{name}' is not a valid label value", "≤ 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric"));
                if (GoTemplate.IsTemplate(value))
                    try { GoTemplate.Parse($"{key}.{name}", value); }
                    catch (TemplateException e) { findings.Add(Finding.Error("talos/template", s.LocationOf(key), e.Message, "fix the Go template")); }
            }
        foreach (var (name, value) in s.NodeTaints ?? [])
        {
            var effect = value.Contains(':', StringComparison.Ordinal) ? value[(value.LastIndexOf(':') + 1)..] : null;
            if (!QualifiedName().IsMatch(name) || effect is not (null or "NoSchedule" or "PreferNoSchedule" or "NoExecute"))
                findings.Add(Finding.Error("talos/config", s.LocationOf("nodeTaints"), $"nodeTaints: '{name}: {value}' is not a taint",
                    "write key: value:Effect with Effect NoSchedule, PreferNoSchedule or NoExecute"));
        }
    }

    private static void CheckFiles(ResolvedNode resolved, FindingBag findings)
    {
        foreach (var file in resolved.Settings.MachineFiles ?? [])
        {
            if (file.Op is not ("create" or "append" or "overwrite"))
                findings.Add(Finding.Error("talos/config", file.LocationOf("op"), $"machineFiles op '{file.Op}' is not create, append or overwrite", "use one of them"));
            if (!file.Path.StartsWith('/') || file.Path.Contains('\0', StringComparison.Ordinal))
                findings.Add(Finding.Error("talos/config", file.LocationOf("path"), $"machineFiles path '{file.Path}' is not an absolute Unix path", "e.g. /var/etc/app.conf"));
        }
    }

    /// <summary>talhelper's checkNodeNetworkInterfaces: bond xor bridge, no interface in two bonds or bridges, bond interfaces xor selectors.</summary>
    private static void CheckInterfaces(ResolvedNode resolved, FindingBag findings)
    {
        var bonded = new Dictionary<string, string>(StringComparer.Ordinal);
        var bridged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var nic in resolved.Settings.NetworkInterfaces ?? [])
        {
            var name = nic.Interface ?? "(selector)";
            void Error(string message) => findings.Add(Finding.Error("talos/config", nic.Location, $"{resolved.Hostname}: {message}", "fix the networkInterfaces entry"));
            if (nic.Bond is not null && nic.Bridge is not null) Error($"interface {name} has both bond and bridge set");
            foreach (var member in nic.Bond?.Interfaces ?? [])
            {
                if (bonded.TryGetValue(member, out var other) && other != name) Error($"interface {member} is part of two bonds: {other} and {name}");
                if (bridged.TryGetValue(member, out var bridge)) Error($"interface {member} is part of a bridge and a bond: {bridge} and {name}");
                bonded[member] = name;
            }
            if (nic.Bond is { Interfaces.Count: > 0, DeviceSelectors.Count: > 0 }) Error($"bond {name} sets both interfaces and deviceSelectors");
            foreach (var member in nic.Bridge?.Interfaces ?? [])
            {
                if (bridged.TryGetValue(member, out var other) && other != name) Error($"interface {member} is part of two bridges: {other} and {name}");
                if (bonded.TryGetValue(member, out var bond)) Error($"interface {member} is part of a bond and a bridge: {bond} and {name}");
                bridged[member] = name;
            }
            if (nic.Interface is null && nic.DeviceSelector is null) Error("an interface needs interface: or deviceSelector:");
            foreach (var route in (nic.Routes ?? []).Concat((nic.Vlans ?? []).SelectMany(v => v.Routes ?? [])))
                if (route.Network is { Length: > 0 } network && !Cidr.TryParseNetwork(network, out _) && !network.Contains('/', StringComparison.Ordinal))
                    findings.Add(Finding.Error("talos/config", route.LocationOf("network"), $"{resolved.Hostname}: route network '{network}' is not a CIDR", "e.g. 0.0.0.0/0"));
        }
    }

    private static void CheckMachineSpec(ResolvedNode resolved, FindingBag findings)
    {
        if (resolved.Settings.MachineSpec is not { } spec) return;
        if (spec.BootMethod is { Length: > 0 } method && method is not ("iso" or "disk-image" or "pxe"))
            findings.Add(Finding.Error("talos/config", spec.LocationOf("bootMethod"), $"machineSpec.bootMethod '{method}' is not iso, disk-image or pxe", "use one of them"));
        if (spec.ImageSuffix is { Length: > 0 } suffix)
        {
            var allowed = (spec.BootMethod ?? "iso") switch
            {
                "" or "iso" => new[] { "iso" },
                "disk-image" => ["raw.zst", "raw.xz", "raw.tar.gz", "vhd.xz", "raw.gz", "ova", "qcow2"],
                "pxe" => [""],
                _ => [],
            };
            if (!allowed.Contains(suffix))
                findings.Add(Finding.Error("talos/config", spec.LocationOf("imageSuffix"), $"machineSpec.imageSuffix '{suffix}' does not fit bootMethod {spec.BootMethod ?? "iso"}",
                    $"use one of: {string.Join(", ", allowed.Select(a => a.Length == 0 ? "\"\"" : a))}"));
        }
    }

    private static void CheckFirewall(ResolvedNode resolved, FindingBag findings)
    {
        if (resolved.Settings.IngressFirewall is not { } firewall) return;
        if (firewall.DefaultAction is { } action && !TalosEnums.Names("defaultAction").Contains(action))
            findings.Add(Finding.Error("talos/config", firewall.LocationOf("defaultAction"), $"ingressFirewall.defaultAction '{action}' is not accept or block", "use block (or accept)"));
        foreach (var rule in firewall.Rules ?? [])
        {
            if (!TalosEnums.Names("protocol").Contains(rule.PortSelector.Protocol))
                findings.Add(Finding.Error("talos/config", rule.PortSelector.LocationOf("protocol"), $"rule {rule.Name}: protocol '{rule.PortSelector.Protocol}' is not one of {string.Join(", ", TalosEnums.Names("protocol"))}", "use tcp or udp"));
            if (rule.PortSelector.Ports.Count == 0)
                findings.Add(Finding.Error("talos/config", rule.PortSelector.LocationOf("ports"), $"rule {rule.Name}: portSelector.ports is required", "list ports or ranges, e.g. 10250 or 30000-32767"));
            foreach (var port in rule.PortSelector.Ports)
            {
                var parts = port.Split('-');
                if (parts.Length > 2 || parts.Any(p => !ushort.TryParse(p, out _)) || parts.Length == 2 && ushort.Parse(parts[0]) > ushort.Parse(parts[1]))
                    findings.Add(Finding.Error("talos/config", rule.PortSelector.LocationOf("ports"), $"rule {rule.Name}: port '{port}' is not a port or range", "e.g. 10250 or 30000-32767"));
            }
            foreach (var ingress in rule.Ingress ?? [])
                foreach (var (key, value) in new[] { ("subnet", ingress.Subnet), ("except", ingress.Except) })
                    if (value is { Length: > 0 } && !Cidr.TryParseInterface(value, out _, out _))
                        findings.Add(Finding.Error("talos/config", ingress.LocationOf(key), $"rule {rule.Name}: {key} '{value}' is not a CIDR", "e.g. 10.0.0.0/8"));
        }
    }

    private static void CheckSchematic(ResolvedNode resolved, FindingBag findings)
    {
        foreach (var (key, schematic) in new[] { ("schematic", resolved.Settings.Schematic), ("imageSchematic", resolved.Settings.ImageSchematic) })
        {
            if (schematic is null) continue;
            var extensions = schematic.Customization?.SystemExtensions?.OfficialExtensions ?? [];
            foreach (var duplicate in extensions.GroupBy(e => e).Where(g => g.Count() > 1))
                findings.Add(Finding.Error("talos/config", schematic.Location, $"{key}: duplicate system extension '{duplicate.Key}'", "list each extension once"));
            if (schematic.Overlay is { } overlay && (overlay.Image is { Length: > 0 } || overlay.Name is { Length: > 0 }) && (overlay.Image is not { Length: > 0 } || overlay.Name is not { Length: > 0 }))
                findings.Add(Finding.Error("talos/config", overlay.Location, $"{key}.overlay needs both image and name", "e.g. image: siderolabs/sbc-raspberrypi, name: rpi_generic"));
            if (schematic.Owner is { Length: > 0 })
                findings.Add(Finding.Warning("talos/config", schematic.LocationOf("owner"), $"{key}.owner is an Image Factory Enterprise field",
                    "the public factory refuses it; remove it unless your factory is Enterprise"));
            try { _ = Talos.SchematicId.Canonical(schematic); }
            catch (FormatException e) { findings.Add(Finding.Error("talos/config", schematic.Location, $"{key}: {e.Message}", "fix the schematic")); }
        }
    }

    private static void CheckVolumes(ResolvedNode resolved, FindingBag findings)
    {
        var s = resolved.Settings;
        foreach (var (key, names, at) in new[]
                 {
                     ("volumes", (s.Volumes ?? []).Select(v => v.Name).ToList(), s.LocationOf("volumes")),
                     ("userVolumes", (s.UserVolumes ?? []).Select(v => v.Name).ToList(), s.LocationOf("userVolumes")),
                     ("extensionServices", (s.ExtensionServices ?? []).Select(v => v.Name).ToList(), s.LocationOf("extensionServices")),
                 })
            foreach (var duplicate in names.GroupBy(n => n).Where(g => g.Count() > 1))
                findings.Add(Finding.Error("talos/config", at, $"{resolved.Hostname}: duplicate {key} name '{duplicate.Key}'", "names must be unique"));
        foreach (var volume in s.UserVolumes ?? [])
            if (volume.VolumeType is { Length: > 0 } type && type is not ("partition" or "disk" or "directory"))
                findings.Add(Finding.Error("talos/config", volume.LocationOf("volumeType"), $"userVolumes {volume.Name}: volumeType '{type}' is not partition, disk or directory", "use one of them"));
    }

    private static void CheckVip(TalConfig config, IReadOnlyList<ResolvedNode> nodes, FindingBag findings)
    {
        var nodeIps = nodes.SelectMany(n => n.Node.IpAddresses).Select(a => Cidr.TryParseAddress(a, out var ip) ? ip : null).OfType<IPAddress>().ToHashSet();
        IPAddress? endpointHost = null;
        if (!Uri.TryCreate(config.Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("https" or "http") || endpoint.Host.Length == 0)
            findings.Add(Finding.Error("talos/config", config.LocationOf("endpoint"), $"endpoint '{config.Endpoint}' is not an https URL",
                "write it as https://<VIP or DNS name>:6443"));
        else if (Cidr.TryParseAddress(endpoint.Host.Trim('[', ']'), out var host)) endpointHost = host;

        var vips = new HashSet<IPAddress>();
        foreach (var resolved in nodes.Where(n => n.ControlPlane))
            // a VIP sits on an interface or on one of its VLAN sub-interfaces, in the subnet of the addresses beside it
            foreach (var (addresses, vip, _) in (resolved.Settings.NetworkInterfaces ?? []).SelectMany(nic => nic.AddressedLinks()))
            {
                if (vip is null) continue;
                var vipText = vip.Ip;
                if (!Cidr.TryParseAddress(vipText, out var vipIp))
                {
                    findings.Add(Finding.Error("talos/config", vip.LocationOf("ip"), $"vip.ip '{vipText}' is not an IP address", "e.g. 172.29.51.10"));
                    continue;
                }
                vips.Add(vipIp);
                var subnets = (addresses ?? []).Select(a => Cidr.TryParseInterface(a, out _, out var n) ? n : (IPNetwork?)null).OfType<IPNetwork>().ToList();
                if (subnets.Count > 0 && !subnets.Any(s => s.Contains(vipIp)))
                    findings.Add(Finding.Error("network/vip-conflict", vip.LocationOf("ip"),
                        $"VIP {vipIp} of {resolved.Hostname} is outside the interface's subnet ({string.Join(", ", subnets)})",
                        "the VIP must be a free address in the control-plane nodes' shared subnet"));
                if (nodeIps.Contains(vipIp))
                    findings.Add(Finding.Error("network/vip-conflict", vip.LocationOf("ip"),
                        $"VIP {vipIp} is also a node's ipAddress", "pick an address no node uses"));
            }
        if (vips.Count > 1)
            findings.Add(Finding.Error("network/vip-conflict", config.LocationOf("nodes"),
                $"control-plane nodes disagree on the VIP ({string.Join(", ", vips)})", "all control-plane nodes share one VIP"));
        if (endpointHost is not null && vips.Count == 1 && !vips.Contains(endpointHost))
            findings.Add(Finding.Error("network/vip-conflict", config.LocationOf("endpoint"),
                $"endpoint host {endpointHost} is not the VIP {vips.First()}", $"set endpoint: https://{vips.First()}:6443"));
    }
}
