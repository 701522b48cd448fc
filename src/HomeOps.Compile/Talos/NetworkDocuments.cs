using System.Net;
using System.Text.Json.Nodes;
using HomeOps.Compile.Talos.Lines;

namespace HomeOps.Compile.Talos;

/// <summary>
/// Legacy v1alpha1 network interfaces (talconfig networkInterfaces, or machine.network.interfaces from a patch) as the Talos
/// 1.12+ multi-document network config, the way talhelper translates them (budimanjojo/talhelper pkg/talos/networkconfig.go and
/// multidocs.go @v3.1.16): LinkAliasConfig for device selectors (named after the interface, or bond&lt;N&gt;/br&lt;N&gt;/wg&lt;N&gt;/
/// ethSel&lt;N&gt;) and for bond member selectors (&lt;bond&gt;-m&lt;i&gt;), BondConfig, DHCPv4/6Config, Layer2VIPConfig, LinkConfig,
/// VLANConfig (+ DHCP and VIP), WireguardConfig, BridgeConfig, in that order. What talhelper drops silently is reported.
/// </summary>
public static class NetworkDocuments
{
    /// <summary>The documents, in talhelper's order; <paramref name="problems"/> receives what could not be carried over.</summary>
    public static List<JsonObject> Translate(JsonArray interfaces, ICollection<string> problems)
    {
        var devices = interfaces.OfType<JsonObject>().Select(d => (JsonObject)d.DeepClone()).ToList();
        var documents = new List<JsonObject>();
        documents.AddRange(Aliases(devices));
        documents.AddRange(BondMemberAliases(devices));
        foreach (var device in devices.Where(d => d["bond"] is JsonObject)) documents.Add(Bond(device, problems));
        foreach (var device in devices.Where(d => Bool(d["dhcp"]))) documents.AddRange(Dhcp(Name(device), device["dhcpOptions"] as JsonObject));
        foreach (var device in devices)
            if (device["vip"] is JsonObject vip && Text(vip["ip"]) is { Length: > 0 } ip)
                documents.Add(Document("Layer2VIPConfig", ip, ("link", Name(device))));
        foreach (var device in devices.Where(d => !Special(d)))
            if (Link(device, problems) is { } link) documents.Add(link);
        foreach (var device in devices)
            foreach (var vlan in (device["vlans"] as JsonArray ?? []).OfType<JsonObject>())
                documents.AddRange(Vlan(device, vlan, problems));
        foreach (var device in devices.Where(d => d["wireguard"] is JsonObject)) documents.Add(Wireguard(device, problems));
        foreach (var device in devices.Where(d => d["bridge"] is JsonObject)) documents.Add(Bridge(device, problems));
        foreach (var device in devices) Dropped(device, problems);
        return documents;
    }

    private static void Dropped(JsonObject device, ICollection<string> problems)
    {
        var name = Name(device);
        foreach (var (key, what) in new[] { ("ignore", "ignore"), ("dummy", "dummy (no DummyLinkConfig is written)"), ("bridgePort", "bridgePort (list the port in the bridge's interfaces instead)"), ("cidr", "cidr (use addresses)") })
            if (device[key] is { } value && !(value is JsonValue v && v.TryGetValue<bool>(out var b) && !b))
                problems.Add($"interface {name}: {what} has no Talos 1.12+ document; talhelper drops it");
        if (device["dhcpOptions"]?["duidv6"] is not null) problems.Add($"interface {name}: dhcpOptions.duidv6 is not carried into DHCPv6Config by talhelper");
        if (device["vip"] is JsonObject vip && (vip["equinixMetal"] is not null || vip["hcloud"] is not null))
            problems.Add($"interface {name}: vip.equinixMetal/vip.hcloud have no Talos 1.12+ equivalent talhelper writes");
    }

    private static IEnumerable<JsonObject> Aliases(List<JsonObject> devices)
    {
        var used = devices.Select(Name).Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);
        int eth = 0, bond = 0, bridge = 0, wireguard = 0;
        foreach (var device in devices)
        {
            if (device["deviceSelector"] is not JsonObject selector) continue;
            var alias = Name(device);
            if (alias.Length == 0)
            {
                string Next(string prefix, ref int index)
                {
                    string candidate;
                    do candidate = $"{prefix}{index++}";
                    while (used.Contains(candidate));
                    return candidate;
                }
                alias = device["bond"] is not null ? Next("bond", ref bond)
                    : device["bridge"] is not null ? Next("br", ref bridge)
                    : device["wireguard"] is not null ? Next("wg", ref wireguard)
                    : Next("ethSel", ref eth);
                used.Add(alias);
                device["interface"] = alias; // every later document refers to the alias
            }
            if (Selector(selector) is { } match) yield return Alias(alias, match);
        }
    }

    private static IEnumerable<JsonObject> BondMemberAliases(List<JsonObject> devices)
    {
        foreach (var device in devices)
            foreach (var (selector, i) in (device["bond"]?["deviceSelectors"] as JsonArray ?? []).OfType<JsonObject>().Select((s, i) => (s, i)))
                if (Selector(selector) is { } match) yield return Alias($"{Name(device)}-m{i}", match);
    }

    private static JsonObject Alias(string name, string match) => Document("LinkAliasConfig", name, ("selector", new JsonObject { ["match"] = match }));

    /// <summary>The CEL expression talhelper builds from a device selector (buildDeviceSelectorCELExpression).</summary>
    public static string? Selector(JsonObject selector)
    {
        var conditions = new List<string>();
        if (Text(selector["hardwareAddr"]) is { Length: > 0 } hw) conditions.Add($"glob(\"{hw}\", mac(link.hardware_addr))");
        if (Text(selector["permanentAddr"]) is { Length: > 0 } permanent) conditions.Add($"glob(\"{permanent}\", mac(link.permanent_addr))");
        if (Text(selector["busPath"]) is { Length: > 0 } bus) conditions.Add($"glob(\"{bus}\", link.bus_path)");
        if (Text(selector["driver"]) is { Length: > 0 } driver) conditions.Add($"glob(\"{driver}\", link.driver)");
        if (Text(selector["pciID"]) is { Length: > 0 } pci) conditions.Add($"glob(\"{pci}\", link.pciid)");
        if (selector["physical"] is JsonValue p && p.TryGetValue<bool>(out var physical)) conditions.Add(physical ? "link.type == 1" : "link.type != 1");
        return conditions.Count == 0 ? null : string.Join(" && ", conditions);
    }

    private static readonly (string Legacy, string Key, string Enum)[] BondEnums =
    [
        ("mode", "bondMode", "bondMode"), ("xmitHashPolicy", "xmitHashPolicy", "xmitHashPolicy"), ("lacpRate", "lacpRate", "lacpRate"),
        ("arpValidate", "arpValidate", "arpValidate"), ("arpAllTargets", "arpAllTargets", "arpAllTargets"),
        ("primaryReselect", "primaryReselect", "primaryReselect"), ("failOverMac", "failOverMac", "failOverMac"), ("adSelect", "adSelect", "adSelect"),
    ];

    private static readonly (string Legacy, string Key)[] BondNumbers =
    [
        ("miimon", "miimon"), ("updelay", "updelay"), ("downdelay", "downdelay"), ("arpInterval", "arpInterval"), ("resendIgmp", "resendIGMP"),
        ("minLinks", "minLinks"), ("lpInterval", "lpInterval"), ("packetsPerSlave", "packetsPerSlave"), ("numPeerNotif", "numPeerNotif"),
        ("tlbDynamicLb", "tlbLogicalLb"), ("allSlavesActive", "allSlavesActive"), ("adActorSysPrio", "adActorSysPrio"),
        ("adUserPortKey", "adUserPortKey"), ("peerNotifyDelay", "peerNotifDelay"),
    ];

    private static JsonObject Bond(JsonObject device, ICollection<string> problems)
    {
        var name = Name(device);
        var bond = (JsonObject)device["bond"]!;
        var document = Document("BondConfig", name);
        var links = new JsonArray();
        foreach (var link in bond["interfaces"] as JsonArray ?? []) links.Add(link?.DeepClone());
        for (var i = 0; i < (bond["deviceSelectors"] as JsonArray)?.Count; i++) links.Add($"{name}-m{i}");
        if (links.Count > 0) document["links"] = links;
        foreach (var (legacy, key, enumeration) in BondEnums)
            if (Text(bond[legacy]) is { Length: > 0 } value)
            {
                if (TalosEnums.Names(enumeration).Contains(value)) document[key] = value;
                else problems.Add($"bond {name}: {legacy} '{value}' is not one of {string.Join(", ", TalosEnums.Names(enumeration))}; talhelper drops it");
            }
        foreach (var (legacy, key) in BondNumbers)
            if (bond[legacy] is JsonValue v && v.TryGetValue<long>(out var n) && n > 0) document[key] = n;
        if (bond["useCarrier"] is JsonValue carrier) document["useCarrier"] = carrier.DeepClone();
        if (bond["arpIPTarget"] is JsonArray { Count: > 0 } targets)
            document["arpIpTargets"] = new JsonArray(targets.Select(t => (JsonNode?)Address(Text(t), problems, $"bond {name} arpIPTarget")).Where(t => t is not null).ToArray());
        foreach (var legacy in new[] { "primary", "adActorSystem" })
            if (bond[legacy] is not null) problems.Add($"bond {name}: {legacy} has no BondConfig field; talhelper drops it");
        Common(document, device, problems, strict: true);
        return document;
    }

    private static IEnumerable<JsonObject> Dhcp(string link, JsonObject? options)
    {
        var metric = options?["routeMetric"] is JsonValue m && m.TryGetValue<long>(out var n) && n > 0 ? n : 0;
        var ipv4 = options?["ipv4"] is not JsonValue v4 || !v4.TryGetValue<bool>(out var four) || four;
        var ipv6 = options?["ipv6"] is JsonValue v6 && v6.TryGetValue<bool>(out var six) && six;
        if (ipv4) yield return metric > 0 ? Document("DHCPv4Config", link, ("routeMetric", metric)) : Document("DHCPv4Config", link);
        if (ipv6) yield return metric > 0 ? Document("DHCPv6Config", link, ("routeMetric", metric)) : Document("DHCPv6Config", link);
    }

    private static JsonObject? Link(JsonObject device, ICollection<string> problems)
    {
        var hasAddresses = device["addresses"] is JsonArray { Count: > 0 };
        var hasRoutes = device["routes"] is JsonArray { Count: > 0 };
        var hasMtu = device["mtu"] is JsonValue m && m.TryGetValue<long>(out var mtu) && mtu > 0;
        if (!hasAddresses && !hasRoutes && !hasMtu) return null;
        var document = Document("LinkConfig", Name(device));
        Common(document, device, problems, strict: true);
        return document;
    }

    private static IEnumerable<JsonObject> Vlan(JsonObject device, JsonObject vlan, ICollection<string> problems)
    {
        if (vlan["vlanId"] is not JsonValue id || !id.TryGetValue<long>(out var vlanId) || vlanId <= 0) yield break;
        var parent = Name(device);
        var name = $"{parent}.{vlanId}";
        var document = Document("VLANConfig", name, ("vlanID", vlanId), ("parent", parent));
        Common(document, vlan, problems, strict: false);
        yield return document;
        if (Bool(vlan["dhcp"]))
            foreach (var dhcp in Dhcp(name, vlan["dhcpOptions"] as JsonObject)) yield return dhcp;
        if (vlan["vip"] is JsonObject vip) yield return Document("Layer2VIPConfig", Text(vip["ip"]) ?? "", ("link", name));
    }

    private static JsonObject Wireguard(JsonObject device, ICollection<string> problems)
    {
        var name = Name(device);
        var wireguard = (JsonObject)device["wireguard"]!;
        var document = Document("WireguardConfig", name);
        if (Text(wireguard["privateKey"]) is { Length: > 0 } key) document["privateKey"] = key;
        foreach (var field in new[] { "listenPort", "firewallMark" })
            if (wireguard[field] is JsonValue v && v.TryGetValue<long>(out var n) && n > 0) document[field] = n;
        var peers = new JsonArray();
        foreach (var peer in (wireguard["peers"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var p = new JsonObject();
            if (Text(peer["publicKey"]) is { Length: > 0 } publicKey) p["publicKey"] = publicKey;
            if (Text(peer["endpoint"]) is { Length: > 0 } endpoint)
            {
                if (IPEndPoint.TryParse(endpoint, out var parsed) && endpoint.Contains(':', StringComparison.Ordinal)) p["endpoint"] = parsed.ToString();
                else problems.Add($"wireguard {name}: peer endpoint '{endpoint}' is not address:port; talhelper drops it (host names are not resolved)");
            }
            if (Text(peer["persistentKeepaliveInterval"]) is { Length: > 0 } keepalive && keepalive != "0s" && keepalive != "0")
                p["persistentKeepaliveInterval"] = keepalive;
            var allowed = new JsonArray();
            foreach (var ip in peer["allowedIPs"] as JsonArray ?? [])
                if (Prefix(Text(ip)) is { } prefix) allowed.Add(prefix);
                else problems.Add($"wireguard {name}: allowedIPs '{Text(ip)}' is not a prefix; talhelper drops it");
            if (allowed.Count > 0) p["allowedIPs"] = allowed;
            peers.Add(p);
        }
        if (peers.Count > 0) document["peers"] = peers;
        Common(document, device, problems, strict: true);
        return document;
    }

    private static JsonObject Bridge(JsonObject device, ICollection<string> problems)
    {
        var bridge = (JsonObject)device["bridge"]!;
        var document = Document("BridgeConfig", Name(device));
        if (bridge["interfaces"] is JsonArray { Count: > 0 } links) document["links"] = links.DeepClone();
        if (bridge["stp"]?["enabled"] is JsonValue stp) document["stp"] = new JsonObject { ["enabled"] = stp.DeepClone() };
        if (Bool(bridge["vlan"]?["vlanFiltering"])) document["vlan"] = new JsonObject { ["filtering"] = true };
        Common(document, device, problems, strict: true);
        return document;
    }

    /// <summary>addresses, routes and mtu (addCommonLinkConfig); for VLANs talhelper skips unreadable entries silently (strict: false).</summary>
    private static void Common(JsonObject document, JsonObject source, ICollection<string> problems, bool strict)
    {
        var name = Text(document["name"]);
        var addresses = new JsonArray();
        foreach (var address in source["addresses"] as JsonArray ?? [])
        {
            var text = Text(address) ?? "";
            var ip = Address(text, null, null);
            var prefix = Prefix(text) ?? (ip is null ? null : $"{ip}/{(ip.Contains(':', StringComparison.Ordinal) ? 128 : 32)}");
            if (prefix is not null)
                addresses.Add(new JsonObject { ["address"] = prefix });
            else if (strict) problems.Add($"{name}: address '{text}' is not an IP address or prefix");
        }
        if (addresses.Count > 0) document["addresses"] = addresses;
        var routes = new JsonArray();
        foreach (var route in (source["routes"] as JsonArray ?? []).OfType<JsonObject>())
            if (Route(route, name, strict ? problems : null) is { } r) routes.Add(r);
        if (routes.Count > 0) document["routes"] = routes;
        if (source["mtu"] is JsonValue m && m.TryGetValue<long>(out var mtu) && mtu > 0) document["mtu"] = mtu;
    }

    private static JsonObject? Route(JsonObject route, string? link, ICollection<string>? problems)
    {
        var result = new JsonObject();
        if (Text(route["network"]) is { Length: > 0 } network)
        {
            if (Prefix(network) is not { } prefix)
            {
                problems?.Add($"{link}: route network '{network}' is not a prefix");
                return null;
            }
            // a default route has no destination: Talos infers it from the gateway's family
            if (prefix is not ("0.0.0.0/0" or "::/0")) result["destination"] = prefix;
        }
        foreach (var field in new[] { "gateway", "source" })
            if (Text(route[field]) is { Length: > 0 } value)
            {
                if (Address(value, null, null) is { } ip) result[field] = ip;
                else
                {
                    problems?.Add($"{link}: route {field} '{value}' is not an IP address");
                    return null;
                }
            }
        foreach (var field in new[] { "metric", "mtu" })
            if (route[field] is JsonValue v && v.TryGetValue<long>(out var n) && n > 0) result[field] = n;
        return result;
    }

    private static string? Prefix(string? text)
    {
        if (text is null) return null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(text[..slash], out var ip) || !int.TryParse(text[(slash + 1)..], out var bits)) return null;
        var max = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32;
        return bits < 0 || bits > max || text[..slash].Contains('%', StringComparison.Ordinal) ? null : $"{ip}/{bits}";
    }

    private static string? Address(string? text, ICollection<string>? problems, string? what)
    {
        if (text is not null && !text.Contains('/', StringComparison.Ordinal) && IPAddress.TryParse(text, out var ip) && (text.Contains(':', StringComparison.Ordinal) || text.Count(c => c == '.') == 3))
            return ip.ToString();
        problems?.Add($"{what} '{text}' is not an IP address");
        return null;
    }

    private static bool Special(JsonObject device) => device["bond"] is not null || device["wireguard"] is not null || device["bridge"] is not null;

    private static string Name(JsonObject device) => Text(device["interface"]) ?? "";

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static bool Bool(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static JsonObject Document(string kind, string name, params (string Key, JsonNode? Value)[] fields)
    {
        var document = new JsonObject { ["apiVersion"] = "v1alpha1", ["kind"] = kind, ["name"] = name };
        foreach (var (key, value) in fields) document[key] = value;
        return document;
    }
}
