using HomeOps.Compile.Network;
using HomeOps.Model;
using HomeOps.Model.Network;
using HomeOps.Operations.Maintenance;
using HomeOps.Operations.Observe;
using HomeOps.Operations.Status;
using HomeOps.Operations.Tools;

namespace HomeOps.Tests.Status;

/// <summary>The verdicts themselves, without a cluster: the evaluation is a pure function of what was read.</summary>
public sealed class StatusEvaluatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly NodeRef[] Nodes = [new("mini01", "172.29.51.11", true), new("mini02", "172.29.51.12", true), new("mini03", "172.29.51.13", true)];

    private static StatusExpectation Expected(params LbPool[] pools) =>
        new("home-ops", Nodes, "v1.10.5", "v1.31.1", null, "no CiliumBGPClusterConfig", pools);

    private static ClusterObservation Observed(
        IReadOnlyList<NodeHealth>? talos = null, int members = 3, IReadOnlyList<LiveService>? services = null,
        IReadOnlyList<LonghornNode>? longhornNodes = null, IReadOnlyList<CertificateStatus>? certificates = null) =>
        new(Now,
            Read.Of<TalosObservation>(new TalosObservation(talos ?? Nodes.Select(Healthy).ToList(), members, Nodes.ToDictionary(n => n.Ip, _ => (string?)"v1.10.5"))),
            Read.Of<IReadOnlyList<LiveNode>>(Nodes.Select(n => new LiveNode(n.Hostname, true, "", "v1.31.1", "Talos", ["control-plane"], [n.Ip], [])).ToList()),
            Read.Of<IReadOnlyList<FluxObject>>([]),
            Read.Of<CiliumHealth>(new CiliumHealth(true, [])),
            Read.Of<IReadOnlyList<BgpPeerStatus>>([]),
            Read.Of<IReadOnlyList<LiveService>>(services ?? []),
            Read.Of<IReadOnlyList<LonghornVolume>>([]),
            Read.Of<IReadOnlyList<LonghornNode>>(longhornNodes ?? []),
            Read.Of<IReadOnlyList<CertificateStatus>>(certificates ?? []));

    private static NodeHealth Healthy(NodeRef node) => new(node, true, true, true, true, null);

    [Fact]
    public void Two_of_three_etcd_members_down_is_quorum_lost_and_red_one_down_is_yellow()
    {
        var twoDown = Nodes.Select((n, i) => i == 0 ? Healthy(n) : new NodeHealth(n, false, false, true, false, "does not answer on the Talos API")).ToList();
        var lost = StatusEvaluator.Etcd(Observed(twoDown));
        Assert.Equal(Health.Red, lost.Health);
        Assert.StartsWith("QUORUM LOST: 1/3 healthy, needs 2", lost.Summary);
        Assert.Equal("quorum", lost.Checks[0].Subject);

        var oneDown = Nodes.Select((n, i) => i == 2 ? new NodeHealth(n, false, false, true, false, "does not answer on the Talos API") : Healthy(n)).ToList();
        var degraded = StatusEvaluator.Etcd(Observed(oneDown));
        Assert.Equal(Health.Yellow, degraded.Health);
        Assert.Contains("tolerates 0 more failure(s)", degraded.Summary);
    }

    [Fact]
    public void Certificates_are_red_when_expired_or_not_Ready_yellow_inside_14_days_and_green_beyond()
    {
        CertificateStatus Cert(string name, double days, bool ready = true) =>
            new("network", name, [$"{name}.k8s.home.geoffdavis.com"], Now.AddDays(days), ready, ready ? "" : "Issuing certificate as Secret does not exist");
        var section = StatusEvaluator.Certificates(Observed(certificates: [Cert("expired", -1), Cert("soon", 13.5), Cert("fine", 14.5), Cert("stuck", 80, ready: false)]));
        Assert.Equal(Health.Red, section.Health);
        Assert.Equal(Health.Red, section.Checks.Single(c => c.Subject == "network/expired").Health);
        Assert.Equal(Health.Yellow, section.Checks.Single(c => c.Subject == "network/soon").Health);
        Assert.Equal(13.0, section.Checks.Single(c => c.Subject == "network/soon").Facts["daysLeft"]);
        Assert.DoesNotContain(section.Checks, c => c.Subject == "network/fine");
        Assert.Contains("Issuing certificate", section.Checks.Single(c => c.Subject == "network/stuck").Message);
    }

    [Fact]
    public void A_full_pool_and_a_pending_Service_are_red_an_address_outside_every_pool_is_yellow()
    {
        Assert.True(IpRange.TryRange("172.29.52.200", "172.29.52.201", out var range));
        var pool = new LbPool("bgp-ingress", "pool", SourceLocation.InFile("pools.yaml"), [new PoolBlock(range, SourceLocation.InFile("pools.yaml"))], [], null, false, false);
        LiveService Service(string name, params string[] ips) => new("network", name, "LoadBalancer", ["10.96.0.10"], ips, ["IPv4"], null);
        var section = StatusEvaluator.LbPools(Expected(pool),
            Observed(services: [Service("internal", "172.29.52.200"), Service("public", "172.29.52.201"), Service("third"), Service("stray", "192.168.1.5")]));
        var usage = section.Checks.Single(c => c.Subject == "bgp-ingress");
        Assert.Equal(Health.Red, usage.Health);
        Assert.StartsWith("IPv4 2/2 used", usage.Message);
        Assert.Equal(Health.Red, section.Checks.Single(c => c.Subject == "network/third").Health);
        Assert.Equal(Health.Yellow, section.Checks.Single(c => c.Subject == "network/stray").Health);
        Assert.Equal("3/4 LoadBalancer Services have an address", section.Summary);
    }

    [Fact]
    public void A_pool_whose_IPv4_half_is_full_is_red_however_much_IPv6_is_free()
    {
        Assert.True(IpRange.TryRange("172.29.52.100", "172.29.52.101", out var v4));
        Assert.True(IpRange.TryParse("fd47:25e1:2f96:51:100::/120", out var v6));
        var at = SourceLocation.InFile("pools.yaml");
        var pool = new LbPool("bgp-default", "pool", at, [new PoolBlock(v4, at), new PoolBlock(v6, at)], [], null, false, false);
        LiveService Service(string name, string ip) => new("apps", name, "LoadBalancer", ["10.96.0.20"], [ip], ["IPv4"], null);
        var usage = StatusEvaluator.LbPools(Expected(pool), Observed(services: [Service("a", "172.29.52.100"), Service("b", "172.29.52.101")]))
            .Checks.Single(c => c.Subject == "bgp-default");
        Assert.Equal(Health.Red, usage.Health);
        Assert.StartsWith("IPv4 2/2 used, IPv6 0/256 used", usage.Message);
    }

    [Fact]
    public void A_short_lived_certificate_is_judged_by_its_renewal_time_not_by_the_14_days()
    {
        var onTime = new CertificateStatus("apps", "short", ["short.k8s.home.geoffdavis.com"], Now.AddDays(3), true, "", RenewalTime: Now.AddDays(1));
        var overdue = onTime with { Name = "stuck", RenewalTime = Now.AddDays(-1) };
        var section = StatusEvaluator.Certificates(Observed(certificates: [onTime, overdue]));
        Assert.DoesNotContain(section.Checks, c => c.Subject == "apps/short");
        Assert.Equal(Health.Yellow, section.Checks.Single(c => c.Subject == "apps/stuck").Health);
    }

    [Fact]
    public void Disk_space_under_20_percent_is_yellow_under_10_red()
    {
        LonghornNode Node(string name, long available) => new(name, true, true, "",
            [new LonghornDisk("usb-ssd", "/var/mnt/longhorn", available, 100L << 30, 0, true, true, "")]);
        var section = StatusEvaluator.Longhorn(Observed(longhornNodes: [Node("mini01", 50L << 30), Node("mini02", 15L << 30), Node("mini03", 5L << 30)]));
        Assert.Equal(Health.Green, section.Checks.Single(c => c.Subject == "disk/mini01").Health);
        Assert.Equal(Health.Yellow, section.Checks.Single(c => c.Subject == "disk/mini02").Health);
        Assert.Equal(Health.Red, section.Checks.Single(c => c.Subject == "disk/mini03").Health);
        Assert.Contains("/var/mnt/longhorn: 5.0 GiB free of 100.0 GiB", section.Checks.Single(c => c.Subject == "disk/mini03").Message);
    }

    [Fact]
    public void Versions_that_drifted_from_talconfig_are_yellow_and_an_unknown_Node_is_named()
    {
        var observed = Observed() with
        {
            Nodes = Read.Of<IReadOnlyList<LiveNode>>([
                new LiveNode("mini01", true, "", "v1.31.0", "Talos", ["control-plane"], ["172.29.51.11"], []),
                new LiveNode("mini02", true, "", "v1.31.1", "Talos", ["control-plane"], ["172.29.51.12"], []),
                new LiveNode("mini03", true, "", "v1.31.1", "Talos", ["control-plane"], ["172.29.51.13"], []),
                new LiveNode("old-box", true, "", "v1.31.1", "Talos", [], ["172.29.51.99"], []),
            ]),
        };
        var section = StatusEvaluator.Nodes(Expected(), observed);
        Assert.Equal(Health.Yellow, section.Health);
        Assert.StartsWith("kubelet v1.31.0, talconfig.yaml says v1.31.1", section.Checks.Single(c => c.Subject == "mini01").Message);
        Assert.Equal("a Node talconfig.yaml does not know", section.Checks.Single(c => c.Subject == "old-box").Message);
    }

    [Fact]
    public void Every_section_is_always_reported_in_the_documented_order_even_when_nothing_answers()
    {
        var nothing = new ClusterObservation(Now, Read.Failed<TalosObservation>("talosctl: no answer"),
            Read.Failed<IReadOnlyList<LiveNode>>("down"), Read.Failed<IReadOnlyList<FluxObject>>("down"), Read.Failed<CiliumHealth>("down"),
            Read.Failed<IReadOnlyList<BgpPeerStatus>>("down"), Read.Failed<IReadOnlyList<LiveService>>("down"),
            Read.Failed<IReadOnlyList<LonghornVolume>>("down"), Read.Failed<IReadOnlyList<LonghornNode>>("down"), Read.Failed<IReadOnlyList<CertificateStatus>>("down"));
        var report = StatusEvaluator.Evaluate(Expected(), nothing);
        Assert.Equal(StatusReport.SectionOrder, report.Sections.Select(s => s.Name));
        Assert.All(report.Sections, s => Assert.Equal(Health.Red, s.Health));
        Assert.Equal(Health.Red, report.Health);
    }
}
