using HomeOps.Adapters.Files;
using HomeOps.Compile.Repository;
using HomeOps.Operations.Diagnose;
using HomeOps.Operations.Observe;
using HomeOps.Operations.Tools;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Diagnose;

/// <summary>The pure comparisons on hand-made live objects, for the verdicts the end-to-end tests do not reach.</summary>
public sealed class DiagnosisCompareTests
{
    private static readonly RepoModel Reference = new DiskRepository(new GitCli()).Load(Repo.Root, new Dictionary<string, string>());
    private const long Ssd = 500_107_862_016;

    private static LonghornNode Node(string name, params LonghornDisk[] disks) => new(name, true, true, "", disks);

    private static LonghornDisk Disk(string name, string path) => new(name, path, Ssd / 2, Ssd, 0, true, true, "");

    private static Check Only(Diagnosis d, string subject, string name) => Assert.Single(d.Checks, c => c.Subject == subject && c.Name == name);

    [Fact]
    public void Storage_without_Longhorns_CRDs_is_one_failure_saying_so()
    {
        var d = StorageDiagnosis.Compare(StoragePlan.From(Reference)!, null, null);
        var check = Assert.Single(d.Checks);
        Assert.Equal(Verdict.Fail, check.Verdict);
        Assert.Contains("does not serve longhorn.io", check.Seen);
    }

    [Fact]
    public void A_second_Longhorn_disk_on_the_system_disk_is_a_warning_and_a_faulted_volume_a_failure()
    {
        var nodes = new[] { "mini01", "mini02", "mini03" }.Select(n => n == "mini03"
            ? Node(n, Disk("longhorn-ssd", "/var/mnt/longhorn/"), Disk("default-disk-fd0", "/var/lib/longhorn/"))
            : Node(n, Disk("longhorn-ssd", "/var/mnt/longhorn"))).ToList();
        var volumes = new[] { new LonghornVolume("pvc-db", "attached", "faulted", 1L << 30, 2, "mini01") };
        var d = StorageDiagnosis.Compare(StoragePlan.From(Reference)!, nodes, volumes);
        var disks = Only(d, "node mini03", "disks");
        Assert.Equal(Verdict.Warn, disks.Verdict);
        Assert.Equal("longhorn-ssd at /var/mnt/longhorn/, default-disk-fd0 at /var/lib/longhorn/", disks.Seen);
        Assert.Equal(Verdict.Ok, Only(d, "node mini01", "disks").Verdict);
        Assert.Equal(Verdict.Fail, Only(d, "volume pvc-db", "robustness").Verdict);
    }

    [Fact]
    public void A_LoadBalancer_IP_outside_the_pools_and_a_pending_one_are_failures()
    {
        var services = new[]
        {
            new LiveService("web", "outside", "LoadBalancer", ["10.96.0.20"], ["192.168.1.50"], ["IPv4"], null),
            new LiveService("web", "pending", "LoadBalancer", ["10.96.0.21"], [], ["IPv4"], null),
            new LiveService("web", "fine", "LoadBalancer", ["10.96.0.22"], ["172.29.52.200"], ["IPv4"], null),
        };
        var d = DualStackDiagnosis.Compare(DualStackPlan.From(Reference), [], [], services);
        Assert.Equal(Verdict.Fail, Only(d, "service web/outside", "LoadBalancer IPs").Verdict);
        Assert.Equal("none assigned (pending)", Only(d, "service web/pending", "LoadBalancer IPs").Seen);
        Assert.Equal("1 of 3 LoadBalancer Service(s)", Only(d, "load balancers", "LoadBalancer IPs in the LB pools").Seen);
        Assert.Equal(3, d.Checks.Count(c => c is { Verdict: Verdict.Fail, Name: "registered" }));   // no Node for any mini
    }

    [Fact]
    public void A_dual_stack_Service_with_one_cluster_IP_is_a_failure()
    {
        var service = new LiveService("web", "half", "ClusterIP", ["10.96.0.30"], [], ["IPv4", "IPv6"], null);
        var d = DualStackDiagnosis.Compare(DualStackPlan.From(Reference), [], [], [service]);
        var check = Only(d, "service web/half", "cluster IPs");
        Assert.Equal(Verdict.Fail, check.Verdict);
        Assert.Equal("10.96.0.30 (ipFamilies IPv4, IPv6)", check.Seen);
    }

    [Fact]
    public void Longhorn_writing_somewhere_else_than_the_SSD_mount_is_a_repository_failure()
    {
        var plan = UsbSsdPlan.From(Reference) with { LonghornDataPath = "/var/lib/longhorn/" };
        var d = UsbSsdDiagnosis.Compare(plan, []);
        var check = Only(d, "repository", "Longhorn data path");
        Assert.Equal(Verdict.Fail, check.Verdict);
        Assert.Equal("/var/mnt/longhorn, where Talos mounts the SSD volume", check.Expected);
    }

    [Fact]
    public void An_SSD_behind_another_transport_is_a_warning_and_a_small_one_a_failure()
    {
        var plan = UsbSsdPlan.From(Reference);
        var disk = new TalosDisk("sdb", "/dev/sdb", "Portable SSD T5", "S3", "sata", 64_000_000_000, "64 GB");
        var volume = new TalosVolumeStatus("u-longhorn", "ready", "/dev/sdb1", "/dev/sdb", 63_000_000_000, "63 GB", "xfs", "");
        var reading = new SsdReading(plan.Nodes[0], [disk], volume, [new TalosMount("/dev/sdb1", "/var/mnt/longhorn", "xfs")], null);
        var d = UsbSsdDiagnosis.Compare(plan, [reading]);
        Assert.Equal(Verdict.Warn, Only(d, "node mini01", "transport").Verdict);
        Assert.Equal(Verdict.Fail, Only(d, "node mini01", "size").Verdict);
        Assert.Equal(Verdict.Ok, Only(d, "node mini01", "volume u-longhorn").Verdict);
    }
}
