using System.Text.Json.Nodes;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Operations;

/// <summary>
/// `homeops upgrade kubernetes` through the real CLI: the stand-in talosctl runs upgrade-k8s (and records the kubelet
/// versions it set), the test plays the kubelets reporting them on their Nodes in the real API server.
/// </summary>
[Collection("apiserver")]
[Trait(Category.Name, Category.EndToEnd)]
public sealed class KubernetesUpgradeTests(ApiServerFixture api)
{
    private static ProcessResult Upgrade(OperationsHarness h, string kubeconfig, string version, params string[] more) =>
        h.Run("", ["upgrade", "kubernetes", version, "--yes", .. OperationsHarness.ThroughTunnel(kubeconfig), .. more]);

    [SkippableFact]
    public async Task Happy_path_snapshot_dry_run_then_the_real_run_waits_for_every_kubelet_and_updates_talconfig()
    {
        api.Require();
        using var h = new OperationsHarness();
        await using var cluster = await UpgradeCluster.StartAsync(api);
        await cluster.AddVolumeAsync("healthy");
        cluster.ReportKubeletsFrom(h.StandIns);
        var result = Upgrade(h, cluster.Kubeconfig, "v1.32.0");
        Assert.True(result.ExitCode == 0, result.Output);

        var mutating = h.MutatingCalls;
        Assert.Equal(["etcd snapshot", "upgrade-k8s", "upgrade-k8s"], mutating.Select(c => c.Command));
        Assert.Equal(["upgrade-k8s", "--to", "1.32.0", "--dry-run"], mutating[1].Argv.SkipWhile(a => a != "upgrade-k8s"));
        Assert.Equal(["upgrade-k8s", "--to", "1.32.0"], mutating[2].Argv.SkipWhile(a => a != "upgrade-k8s"));
        Assert.All(mutating.Skip(1), c => Assert.Equal("172.29.51.11", c.Node)); // one control-plane node; talosctl walks the rest
        Assert.Contains("  automatically detected the lowest Kubernetes version 1.31.1", result.Stdout); // the dry run's summary
        Assert.Contains("every Node is Ready with kubelet v1.32.0; talconfig.yaml kubernetesVersion: v1.32.0", result.Stdout);
        foreach (var (_, host) in OperationsHarness.Nodes) Assert.Equal("v1.32.0", await cluster.KubeletAsync(host));
        Assert.Contains("kubernetesVersion: v1.32.0", h.TalConfig);
        Assert.Contains("talosVersion: v1.10.5", h.TalConfig);
    }

    [SkippableFact]
    public void A_version_beyond_what_the_Talos_line_supports_exits_2()
    {
        using var h = new OperationsHarness();
        var talconfig = Path.Combine(h.Root, "talconfig.yaml");
        File.WriteAllText(talconfig, File.ReadAllText(talconfig).Replace("kubernetesVersion: v1.31.1", "kubernetesVersion: v1.33.4"));
        var result = h.Run("", "upgrade", "kubernetes", "v1.34.0", "--yes");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("v1.34.0 is outside what Talos v1.10 supports (Kubernetes v1.28 to v1.33); upgrade Talos first", result.Stderr);
        Assert.Empty(h.StandIns.Calls);
    }

    [SkippableFact]
    public async Task When_upgrade_k8s_fails_on_a_node_it_stops_names_that_node_and_the_next_step_and_talconfig_is_unchanged()
    {
        api.Require();
        using var h = new OperationsHarness();
        await using var cluster = await UpgradeCluster.StartAsync(api);
        cluster.ReportKubeletsFrom(h.StandIns);
        h.Talos("kubeletUpgradeErrors", new JsonObject { ["172.29.51.12"] = "error pulling image ghcr.io/siderolabs/kubelet:v1.32.0: 502 Bad Gateway" });
        var result = Upgrade(h, cluster.Kubeconfig, "v1.32.0");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("homeops: `talosctl upgrade-k8s` to v1.32.0 failed at mini02 (172.29.51.12)", result.Stderr);
        Assert.Contains("node:    mini02 (172.29.51.12)", result.Stderr);
        Assert.Contains("upgrade-k8s --to 1.32.0", result.Stderr);
        Assert.Contains("502 Bad Gateway", result.Stderr);
        Assert.Contains("next:    look at mini02", result.Stderr);
        Assert.Contains("rerun `homeops upgrade kubernetes v1.32.0`", result.Stderr);
        Assert.Equal(["etcd snapshot", "upgrade-k8s", "upgrade-k8s"], h.MutatingCalls.Select(c => c.Command)); // stopped: no third run
        Assert.Null(h.Node("172.29.51.13")["kubelet"]); // talosctl never got to mini03
        Assert.Contains("kubernetesVersion: v1.31.1", h.TalConfig);
    }

    [SkippableFact]
    public async Task A_failed_dry_run_upgrades_nothing()
    {
        api.Require();
        using var h = new OperationsHarness();
        await using var cluster = await UpgradeCluster.StartAsync(api);
        h.Fail("upgrade-k8s", "172.29.51.11", "error: resources of removed APIs in use: flowschemas.v1beta3.flowcontrol.apiserver.k8s.io");
        var result = Upgrade(h, cluster.Kubeconfig, "v1.32.0");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the dry run of the Kubernetes upgrade to v1.32.0 failed; nothing was upgraded", result.Stderr);
        Assert.Contains("flowschemas.v1beta3", result.Stderr);
        Assert.Single(h.MutatingCalls, c => c.Command == "upgrade-k8s");
        Assert.All(OperationsHarness.Nodes, n => Assert.Null(h.Node(n.Ip)["kubelet"]));
        Assert.Contains("kubernetesVersion: v1.31.1", h.TalConfig);
    }

    [SkippableFact]
    public async Task Kubelets_that_never_report_the_new_version_stop_it_before_talconfig_changes()
    {
        api.Require();
        using var h = new OperationsHarness();
        await using var cluster = await UpgradeCluster.StartAsync(api); // nobody plays the kubelets: the Nodes keep v1.31.1
        var result = Upgrade(h, cluster.Kubeconfig, "v1.32.0", "--timeout", "1s");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("talosctl upgrade-k8s finished, but the cluster did not settle on Kubernetes v1.32.0 within 1s: the kubelet on mini01 reports v1.31.1, not v1.32.0", result.Stderr);
        Assert.Contains("kubernetesVersion: v1.31.1", h.TalConfig);
    }

    [SkippableFact]
    public async Task An_unhealthy_cluster_is_refused_before_any_mutating_call()
    {
        api.Require();
        using var h = new OperationsHarness();
        await using var cluster = await UpgradeCluster.StartAsync(api);
        var volume = await cluster.AddVolumeAsync("faulted");
        var result = Upgrade(h, cluster.Kubeconfig, "v1.32.0");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"refusing to start an upgrade on an unhealthy cluster: Longhorn volume {volume} is faulted", result.Stderr);
        Assert.Empty(h.MutatingCalls);
    }
}
