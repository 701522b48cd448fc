using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Operations.Maintenance;
using HomeOps.Tests.Operations;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Security;

/// <summary>
/// Issue 17, item 10: before a day-2 command acts through the Kubernetes API (the upgrade gates, `flux reconcile`,
/// recover), the kubeconfig's server must be the cluster talconfig.yaml describes: its endpoint, a control plane's VIP,
/// or the address named with --api-server. The refusal names both.
/// </summary>
public sealed class ClusterIdentityTests
{
    private static HomeOps.Compile.Talos.TalosPlan Reference() =>
        HomeOps.Compile.Talos.TalosCompiler.Plan(new HomeOps.Adapters.Files.DiskSourceTree(Repo.Root), RepoFiles.TalConfig, new Dictionary<string, string>(), new FindingBag())!;

    [Theory]
    [InlineData("https://172.29.51.10:6443")]
    [InlineData("https://172.29.51.10:6443/")]
    public void The_endpoint_is_this_cluster(string server) => ClusterIdentity.Require(server, Reference(), null, "kc");

    [Theory]
    [InlineData("https://172.29.51.11:6443")] // a node, not the endpoint
    [InlineData("https://172.29.51.10:443")]
    [InlineData("https://10.0.0.1:6443")]
    [InlineData("http://172.29.51.10:6443")]
    public void Another_address_is_refused_naming_both(string server)
    {
        var e = Assert.Throws<OperationRefusedException>(() => ClusterIdentity.Require(server, Reference(), null, "/home/me/.kube/config"));
        Assert.Contains(server.TrimEnd('/'), e.Message);
        Assert.Contains("https://172.29.51.10:6443", e.Message);
        Assert.Contains("/home/me/.kube/config", e.Message);
    }

    [Fact]
    public void A_named_tunnel_is_this_cluster_and_then_only_it()
    {
        ClusterIdentity.Require("https://127.0.0.1:16443", Reference(), "https://127.0.0.1:16443", "kc");
        Assert.Throws<OperationRefusedException>(() => ClusterIdentity.Require("https://172.29.51.10:6443", Reference(), "https://127.0.0.1:16443", "kc"));
    }

    [Fact]
    public void A_vip_at_the_endpoint_port_is_this_cluster()
    {
        using var temp = new TempDir();
        var talconfig = File.ReadAllText(Path.Combine(Repo.Root, "talconfig.yaml")).Replace("endpoint: https://172.29.51.10:6443", "endpoint: https://k8s.home.example:6443");
        temp.Write("talconfig.yaml", talconfig);
        Repo.CopyDirectory(Path.Combine(Repo.Root, "talos", "patches"), temp.File("talos/patches"));
        var plan = HomeOps.Compile.Talos.TalosCompiler.Plan(new HomeOps.Adapters.Files.DiskSourceTree(temp.Path), RepoFiles.TalConfig, new Dictionary<string, string>(), new FindingBag())!;
        ClusterIdentity.Require("https://K8S.home.example:6443", plan, null, "kc");
        var vips = ClusterIdentity.Expected(plan, null).Skip(1).ToList();
        foreach (var vip in vips) ClusterIdentity.Require(vip.ToString(), plan, null, "kc");
        Assert.Equal(talconfig.Contains("vip:", StringComparison.Ordinal), vips.Count > 0);
    }

    [Trait(Category.Name, Category.EndToEnd)]
    [Theory]
    [InlineData("talos", "v1.10.6")]
    [InlineData("kubernetes", "v1.32.0")]
    public void An_upgrade_refuses_a_kubeconfig_for_another_cluster_before_anything_changes(string what, string version)
    {
        using var h = new OperationsHarness();
        var kubeconfig = Path.Combine(h.Root, "other-cluster.kubeconfig");
        File.WriteAllText(kubeconfig, Kubeconfigs.ForServer("https://10.99.0.1:6443"));
        var before = h.TalConfig;
        var result = h.Run("", "upgrade", what, version, "--yes", "--kubeconfig", kubeconfig);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("points at https://10.99.0.1:6443", result.Stderr);
        Assert.Contains("is reached at https://172.29.51.10:6443", result.Stderr);
        Assert.Empty(h.MutatingCalls);
        Assert.Equal(before, h.TalConfig);
    }

    [Trait(Category.Name, Category.EndToEnd)]
    [Fact]
    public void Recover_refuses_a_kubeconfig_for_another_cluster_before_reconciling_anything()
    {
        using var h = new OperationsHarness(gitops: true);
        var kubeconfig = Path.Combine(h.Root, "other-cluster.kubeconfig");
        File.WriteAllText(kubeconfig, Kubeconfigs.ForServer("https://10.99.0.1:6443"));
        var result = h.Run("", "recover", "--yes", "--kubeconfig", kubeconfig);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("points at https://10.99.0.1:6443", result.Stderr);
        Assert.DoesNotContain(h.StandIns.Calls, c => c.Tool == "flux");
        Assert.Empty(h.MutatingCalls);
    }
}
