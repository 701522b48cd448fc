using System.Net;
using HomeOps.Operations.Maintenance;
using HomeOps.Operations.Observe;

namespace HomeOps.Operations.Status;

/// <summary>
/// Judges one observation against the repository's expectations, section by section. Pure: the same observation
/// always gives the same report, so every verdict is testable without a cluster.
/// </summary>
public static class StatusEvaluator
{
    /// <summary>A disk with less free space than this is yellow; under half of it, red (the reference sets Longhorn's storageMinimalAvailablePercentage to 10).</summary>
    public const double DiskFreeWarning = 0.20;

    /// <summary>A pool this full is yellow: the next LoadBalancer Services may stay pending.</summary>
    public const double PoolUsageWarning = 0.90;

    public static StatusReport Evaluate(StatusExpectation expected, ClusterObservation seen) => new(expected.Cluster, seen.At,
    [
        Nodes(expected, seen), Etcd(seen), Flux(seen), Cilium(seen), Bgp(expected, seen), LbPools(expected, seen),
        Longhorn(seen), Certificates(seen),
    ]);

    private static Dictionary<string, object?> Facts(params (string Key, object? Value)[] facts) => facts.ToDictionary(f => f.Key, f => f.Value);

    private static StatusSection Unread(string name, string title, string what, string problem) =>
        StatusSection.Of(name, title, $"could not read {what}", [new StatusCheck(what, Health.Red, problem, Facts())]);

    public static StatusSection Nodes(StatusExpectation expected, ClusterObservation seen)
    {
        const string name = "nodes", title = "Nodes";
        if (seen.Nodes.Problem is { } apiProblem && seen.Talos.Problem is { } talosProblem)
            return Unread(name, title, "nodes", $"{apiProblem}; {talosProblem}");
        var live = seen.Nodes.Value ?? [];
        var checks = new List<StatusCheck>();
        foreach (var node in expected.Nodes)
        {
            var talos = seen.Talos.Value?.Nodes.FirstOrDefault(h => h.Node.Ip == node.Ip);
            var talosVersion = seen.Talos.Value?.Versions.GetValueOrDefault(node.Ip);
            var k8s = live.FirstOrDefault(n => n.Name == node.Hostname || n.InternalAddresses.Contains(node.Ip));
            var problems = new List<string>();
            var drift = new List<string>();
            if (seen.Nodes.Problem is null)
            {
                if (k8s is null) problems.Add("no Node object (kubelet never registered)");
                else if (!k8s.Ready) problems.Add($"NotReady: {k8s.ReadyMessage}");
                else if (k8s.KubeletVersion != expected.KubernetesVersion) drift.Add($"kubelet {k8s.KubeletVersion}, talconfig.yaml says {expected.KubernetesVersion}");
            }
            if (seen.Talos.Problem is null && talos is { Healthy: false, Problem: { } talosSays } && (talos.Answers is false || !talos.Ready))
                problems.Add($"Talos: {talosSays}");
            if (talosVersion is not null && talosVersion != expected.TalosVersion) drift.Add($"Talos {talosVersion}, talconfig.yaml says {expected.TalosVersion}");
            var roles = k8s?.Roles is { Count: > 0 } r ? string.Join(",", r) : node.ControlPlane ? "control-plane (per talconfig)" : "worker";
            var summary = $"{(k8s?.Ready == true ? "Ready" : "not Ready")}, Talos {talosVersion ?? "?"}, Kubernetes {k8s?.KubeletVersion ?? "?"}, {roles}";
            var health = problems.Count > 0 ? Health.Red : drift.Count > 0 ? Health.Yellow : Health.Green;
            var message = health == Health.Green ? summary : $"{string.Join("; ", problems.Concat(drift))} ({summary})";
            checks.Add(new StatusCheck(node.Hostname, health, message,
                Facts(("ip", node.Ip), ("ready", k8s?.Ready ?? false), ("talosVersion", talosVersion), ("kubernetesVersion", k8s?.KubeletVersion),
                    ("roles", k8s?.Roles ?? []))));
        }
        foreach (var stranger in live.Where(n => !expected.Nodes.Any(e => e.Hostname == n.Name || n.InternalAddresses.Contains(e.Ip))))
            checks.Add(new StatusCheck(stranger.Name, Health.Yellow, "a Node talconfig.yaml does not know", Facts(("ready", stranger.Ready), ("kubernetesVersion", stranger.KubeletVersion))));
        if (seen.Nodes.Problem is { } p) checks.Add(new StatusCheck("kubernetes-api", Health.Red, p, Facts()));
        if (seen.Talos.Problem is { } t) checks.Add(new StatusCheck("talos-api", Health.Red, t, Facts()));
        var ready = checks.Count(c => c.Facts.GetValueOrDefault("ready") is true && expected.Nodes.Any(n => n.Hostname == c.Subject));
        return StatusSection.Of(name, title, $"{ready}/{expected.Nodes.Count} Ready", checks);
    }

    public static StatusSection Etcd(ClusterObservation seen)
    {
        const string name = "etcd", title = "etcd";
        if (seen.Talos.Value is not { } talos) return Unread(name, title, "etcd (through the Talos API)", seen.Talos.Problem ?? "no answer");
        var quorum = EtcdQuorum.Read(talos.Nodes, talos.EtcdMembers);
        var kept = quorum.State == QuorumState.Kept;
        var checks = talos.Nodes.Where(n => n.Node.ControlPlane).Select(n =>
        {
            var etcdOk = n.EtcdMember && n.EtcdHealthy;
            var health = etcdOk ? Health.Green : kept ? Health.Yellow : Health.Red;
            var message = !n.EtcdMember ? $"not an etcd member{(n.Problem is { } p ? "; " + p : "")}"
                : etcdOk ? "member, healthy" : $"member, unhealthy: {n.Problem ?? "etcd status reports errors"}";
            return new StatusCheck(n.Node.Hostname, health, message, Facts(("member", n.EtcdMember), ("healthy", etcdOk)));
        }).ToList();
        var summary = quorum.State switch
        {
            QuorumState.Kept => $"{quorum.Healthy}/{quorum.Voters} members healthy, quorum kept (needs {quorum.Needed}; tolerates {quorum.Healthy - quorum.Needed} more failure(s))",
            QuorumState.Lost => $"QUORUM LOST: {quorum.Healthy}/{quorum.Voters} healthy, needs {quorum.Needed} — see `homeops recover`",
            _ => "no member answers `etcd members`: quorum cannot be judged — see `homeops recover`",
        };
        if (!kept)
            checks.Insert(0, new StatusCheck("quorum", Health.Red, summary, Facts(("members", quorum.Voters), ("healthy", quorum.Healthy), ("needed", quorum.Needed))));
        return StatusSection.Of(name, title, summary, checks);
    }

    public static StatusSection Flux(ClusterObservation seen)
    {
        const string name = "flux", title = "Flux";
        if (seen.Flux.Problem is { } problem) return Unread(name, title, "Flux objects", problem);
        if (seen.Flux.Value is not { } objects)
            return StatusSection.Of(name, title, "not installed", [new StatusCheck("flux", Health.Red, "Flux's CRDs are not installed: GitOps is not running (`homeops bootstrap --from flux`)", Facts())]);
        var checks = objects.Where(o => !o.Ready || o.Suspended).OrderBy(o => o.Kind).ThenBy(o => o.Namespace).ThenBy(o => o.Name).Select(o =>
            new StatusCheck($"{o.Kind}/{o.Namespace}/{o.Name}", o.Suspended ? Health.Yellow : Health.Red,
                o.Suspended ? "suspended" : $"{o.Reason}: {o.Message}", Facts(("kind", o.Kind), ("namespace", o.Namespace), ("name", o.Name),
                    ("ready", o.Ready), ("suspended", o.Suspended), ("reason", o.Reason)))).ToList();
        string Count(string kind) => $"{objects.Count(o => o.Kind == kind && o.Ready)}/{objects.Count(o => o.Kind == kind)} {kind}s Ready";
        return StatusSection.Of(name, title, $"{Count("Kustomization")}, {Count("HelmRelease")}", checks);
    }

    public static StatusSection Cilium(ClusterObservation seen)
    {
        const string name = "cilium", title = "Cilium";
        if (seen.Cilium.Value is not { } cilium) return Unread(name, title, "cilium status", seen.Cilium.Problem ?? "no answer");
        var problems = cilium.Problems.DefaultIfEmpty(cilium.Ready ? null : "cilium status reports not ready").OfType<string>();
        return StatusSection.Of(name, title, cilium.Ready ? "agents and operator ready" : "not ready",
            problems.Select(p => new StatusCheck("cilium", Health.Red, p, Facts())).ToList());
    }

    public static StatusSection Bgp(StatusExpectation expected, ClusterObservation seen)
    {
        const string name = "bgp", title = "BGP";
        if (seen.Bgp.Problem is { } problem) return Unread(name, title, "CiliumBGPNodeConfig status", problem);
        if (seen.Bgp.Value is not { } peers)
            return StatusSection.Of(name, title, "BGP control plane not running",
                [new StatusCheck("bgp", Health.Red, "the API serves no CiliumBGPNodeConfig (cilium.io/v2alpha1): Cilium runs without bgpControlPlane.enabled", Facts())]);
        if (expected.Bgp is not { } plan)
            return StatusSection.Of(name, title, "no BGP plan in the repository",
                [new StatusCheck("repository", Health.Yellow, $"{expected.BgpProblem}; `homeops validate --rule bgp/`", Facts())]);
        var checks = new List<StatusCheck>();
        foreach (var session in plan.Topology.Sessions)
        {
            var afi = session.IsV6 ? "ipv6" : "ipv4";
            var peer = peers.FirstOrDefault(p => p.Node == session.Node.Hostname && IPAddress.TryParse(p.PeerAddress, out var a) && a.Equals(session.RouterAddress));
            var want = plan.Announced.TryGetValue(session, out var routes) ? routes.Count : 0;
            var advertised = peer?.Advertised.GetValueOrDefault(afi) ?? 0;
            var subject = $"{session.Node.Hostname} → {session.RouterAddress}";
            var facts = Facts(("node", session.Node.Hostname), ("peer", session.RouterAddress.ToString()), ("afi", afi),
                ("state", peer?.State), ("advertised", advertised), ("expected", want));
            checks.Add(peer is null ? new StatusCheck(subject, Health.Red, "no such peer in the node's CiliumBGPNodeConfig status", facts)
                : !peer.Established ? new StatusCheck(subject, Health.Red, $"session {peer.State} (peer ASN {peer.PeerAsn}) — `homeops diagnose bgp`", facts)
                : advertised < want ? new StatusCheck(subject, Health.Red, $"established, but advertises {advertised} of {want} {afi} LoadBalancer route(s) — `homeops diagnose bgp`", facts)
                : new StatusCheck(subject, Health.Green, $"established, {advertised} {afi} route(s) advertised", facts));
        }
        foreach (var extra in peers.Where(p => !plan.Topology.Sessions.Any(s => s.Node.Hostname == p.Node && IPAddress.TryParse(p.PeerAddress, out var a) && a.Equals(s.RouterAddress))))
            checks.Add(new StatusCheck($"{extra.Node} → {extra.PeerAddress}", Health.Yellow, $"a peer the repository does not configure ({extra.State})",
                Facts(("node", extra.Node), ("peer", extra.PeerAddress), ("state", extra.State))));
        var established = checks.Count(c => c.Facts.ContainsKey("expected") && c.Facts.GetValueOrDefault("state") is string s && s.Equals("established", StringComparison.OrdinalIgnoreCase));
        return StatusSection.Of(name, title, $"{established}/{plan.Topology.Sessions.Count} sessions established", checks);
    }

    public static StatusSection LbPools(StatusExpectation expected, ClusterObservation seen)
    {
        const string name = "lbPools", title = "LB pools";
        if (seen.Services.Value is not { } services) return Unread(name, title, "Services", seen.Services.Problem ?? "no answer");
        var balanced = services.Where(s => s.Type == "LoadBalancer").ToList();
        var checks = new List<StatusCheck>();
        var addresses = balanced.SelectMany(s => s.LoadBalancerIps).Distinct().Select(ip => IPAddress.TryParse(ip, out var a) ? a : null).OfType<IPAddress>().ToList();
        foreach (var pool in expected.Pools.Where(p => !p.Disabled))
        {
            // each family is its own supply: a full IPv4 half leaves IPv4 Services pending however much IPv6 is free
            var families = pool.Blocks.GroupBy(b => b.Range.Family).Select(family =>
            {
                var size = family.Aggregate(UInt128.Zero, (total, b) => total + b.Range.Size);
                var used = addresses.Count(a => family.Any(b => b.Range.Contains(a)));
                var health = (UInt128)used >= size ? Health.Red : (double)used / (double)size >= PoolUsageWarning ? Health.Yellow : Health.Green;
                return (Family: family.Key, Used: used, Size: size, Health: health);
            }).ToList();
            var worst = families.Count == 0 ? Health.Green : families.Max(f => f.Health);
            checks.Add(new StatusCheck(pool.Name, worst,
                string.Join(", ", families.Select(f => $"{f.Family} {f.Used}/{f.Size} used")) + $" ({string.Join(", ", pool.Blocks.Select(b => b.Range))})" +
                (worst == Health.Green ? "" : "; new LoadBalancer Services may stay pending"),
                Facts(("used", families.Sum(f => f.Used)), ("size", (double)families.Aggregate(UInt128.Zero, (t, f) => t + f.Size)),
                    ("families", families.ToDictionary(f => f.Family, f => new Dictionary<string, object> { ["used"] = f.Used, ["size"] = (double)f.Size })),
                    ("blocks", pool.Blocks.Select(b => b.Range.ToString()).ToList()))));
        }
        foreach (var pending in balanced.Where(s => s.LoadBalancerIps.Count == 0))
            checks.Add(new StatusCheck($"{pending.Namespace}/{pending.Name}", Health.Red,
                $"LoadBalancer Service without an address (pending){(pending.RequestedLoadBalancerIp is { Length: > 0 } r ? $"; it asks for {r}" : "")} — `homeops validate --rule network/`",
                Facts(("namespace", pending.Namespace), ("name", pending.Name))));
        foreach (var s in balanced)
            foreach (var ip in s.LoadBalancerIps.Where(ip => !IPAddress.TryParse(ip, out var a) || !expected.Pools.Any(p => p.Blocks.Any(b => b.Range.Contains(a)))))
                checks.Add(new StatusCheck($"{s.Namespace}/{s.Name}", Health.Yellow, $"has {ip}, outside every pool in the repository", Facts(("namespace", s.Namespace), ("name", s.Name), ("ip", ip))));
        var assigned = balanced.Count(s => s.LoadBalancerIps.Count > 0);
        return StatusSection.Of(name, title, $"{assigned}/{balanced.Count} LoadBalancer Services have an address", checks);
    }

    public static StatusSection Longhorn(ClusterObservation seen)
    {
        const string name = "longhorn", title = "Longhorn";
        var problem = seen.LonghornVolumes.Problem ?? seen.LonghornNodes.Problem;
        if (problem is not null) return Unread(name, title, "Longhorn volumes and nodes", problem);
        if (seen.LonghornVolumes.Value is not { } volumes || seen.LonghornNodes.Value is not { } nodes)
            return StatusSection.Of(name, title, "not installed", [new StatusCheck("longhorn", Health.Yellow, "the API serves no longhorn.io volumes/nodes: Longhorn is not installed (yet)", Facts())]);
        var checks = new List<StatusCheck>();
        foreach (var v in volumes.OrderBy(v => v.Name))
        {
            var health = v.Condition switch
            {
                VolumeCondition.Faulted => Health.Red,
                VolumeCondition.Healthy => Health.Green,
                _ => Health.Yellow,
            };
            if (health == Health.Green) continue;
            checks.Add(new StatusCheck($"volume/{v.Name}", health, $"{v.Robustness} ({v.State}{(v.AttachedNode is { } n ? $" on {n}" : "")}, {v.Replicas} replica(s) wanted)" +
                (health == Health.Red ? ": its data is unavailable — `homeops diagnose storage`" : ": Longhorn is rebuilding or cannot place a replica"),
                Facts(("volume", v.Name), ("state", v.State), ("robustness", v.Robustness), ("replicas", v.Replicas), ("node", v.AttachedNode))));
        }
        foreach (var node in nodes.OrderBy(n => n.Name))
        {
            if (!node.Ready || !node.Schedulable)
                checks.Add(new StatusCheck($"node/{node.Name}", node.Ready ? Health.Yellow : Health.Red, $"{(node.Ready ? "not schedulable" : "not Ready")}: {node.Message}",
                    Facts(("node", node.Name), ("ready", node.Ready), ("schedulable", node.Schedulable))));
            foreach (var disk in node.Disks)
            {
                var free = disk.MaximumBytes > 0 ? (double)disk.AvailableBytes / disk.MaximumBytes : 0;
                var health = !disk.Ready || free < DiskFreeWarning / 2 ? Health.Red : !disk.Schedulable || free < DiskFreeWarning ? Health.Yellow : Health.Green;
                checks.Add(new StatusCheck($"disk/{node.Name}", health,
                    $"{disk.Path}: {Bytes(disk.AvailableBytes)} free of {Bytes(disk.MaximumBytes)} ({free:P0})" + (disk.Ready ? disk.Schedulable ? "" : "; not schedulable" : "; not Ready") +
                    (health == Health.Green || disk.Message.Length == 0 ? "" : $": {disk.Message}"),
                    Facts(("node", node.Name), ("disk", disk.Name), ("path", disk.Path), ("availableBytes", disk.AvailableBytes), ("maximumBytes", disk.MaximumBytes),
                        ("ready", disk.Ready), ("schedulable", disk.Schedulable))));
            }
        }
        var sick = volumes.Count(v => v.Condition != VolumeCondition.Healthy);
        return StatusSection.Of(name, title, $"{volumes.Count - sick}/{volumes.Count} volumes healthy, {nodes.Sum(n => n.Disks.Count)} disk(s)", checks);
    }

    public static StatusSection Certificates(ClusterObservation seen)
    {
        const string name = "certificates", title = "Certificates";
        if (seen.Certificates.Problem is { } problem) return Unread(name, title, "Certificates", problem);
        if (seen.Certificates.Value is not { } certificates)
            return StatusSection.Of(name, title, "cert-manager not installed", [new StatusCheck("cert-manager", Health.Yellow, "the API serves no cert-manager.io Certificates", Facts())]);
        var checks = new List<StatusCheck>();
        foreach (var c in certificates.OrderBy(c => c.Namespace).ThenBy(c => c.Name))
        {
            var left = c.NotAfter - seen.At;
            var facts = Facts(("namespace", c.Namespace), ("name", c.Name), ("dnsNames", c.DnsNames), ("notAfter", c.NotAfter), ("ready", c.Ready),
                ("daysLeft", left is { } l ? Math.Floor(l.TotalDays) : null));
            var subject = $"{c.Namespace}/{c.Name}";
            if (left is { } expired && expired <= TimeSpan.Zero)
                checks.Add(new StatusCheck(subject, Health.Red, $"EXPIRED {c.NotAfter:yyyy-MM-dd} ({string.Join(", ", c.DnsNames)})", facts));
            else if (left is { } soon && RenewalOverdue(c, soon, seen.At))
                checks.Add(new StatusCheck(subject, Health.Yellow, $"expires in {Math.Floor(soon.TotalDays)} day(s), {c.NotAfter:yyyy-MM-dd} ({string.Join(", ", c.DnsNames)}): renewal is failing — `kubectl describe certificate -n {c.Namespace} {c.Name}`", facts));
            else if (!c.Ready)
                checks.Add(new StatusCheck(subject, Health.Red, $"not Ready: {c.Message}", facts));
        }
        var summary = $"{certificates.Count(c => c.Ready)}/{certificates.Count} Ready" +
            (checks.Count == 0 ? $", none expiring within {StatusExpectation.CertificateWarning.TotalDays:0} days" : "");
        return StatusSection.Of(name, title, summary, checks);
    }

    /// <summary>
    /// Renewal is failing when cert-manager's own renewalTime has passed (with an hour's grace for the issuance itself); without
    /// one, when less than the warning window is left. Judging by renewalTime keeps short-lived certificates (renewed at 2/3 of
    /// a 7-day life) from staying yellow forever.
    /// </summary>
    private static bool RenewalOverdue(CertificateStatus certificate, TimeSpan left, DateTimeOffset now) =>
        certificate.RenewalTime is { } renewal ? now > renewal + TimeSpan.FromHours(1) && left < StatusExpectation.CertificateWarning
            : left < StatusExpectation.CertificateWarning;

    private static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 40 => $"{bytes / (double)(1L << 40):0.0} TiB",
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        _ => $"{bytes / (double)(1L << 20):0} MiB",
    };
}
