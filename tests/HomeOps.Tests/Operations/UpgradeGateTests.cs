using HomeOps.Model;
using HomeOps.Operations.Maintenance;
using HomeOps.Operations.Observe;

namespace HomeOps.Tests.Operations;

/// <summary>The pure halves of the upgrades: which versions are allowed, and the Kubernetes gates as functions of one read.</summary>
public sealed class UpgradeGateTests
{
    private static readonly ReleaseVersion Talos110 = new(1, 10, 5);
    private static readonly ReleaseVersion K131 = new(1, 31, 1);
    private static readonly NodeRef[] Refs = [new("mini01", "10.0.0.1", true), new("mini02", "10.0.0.2", true)];

    private static LiveNode Node(string name, bool ready = true, string kubelet = "v1.31.1", string ip = "") =>
        new(name, ready, ready ? "kubelet is posting ready status" : "container runtime network not ready", kubelet, "Talos (v1.10.5)",
            ["control-plane"], ip.Length > 0 ? [ip] : [], []);

    private static LonghornVolume Volume(string name, string robustness) => new(name, "attached", robustness, 1 << 30, 3, "mini01");

    [Theory]
    [InlineData("v1.31.2")]
    [InlineData("1.32.0")]
    [InlineData("v1.31.1")] // the same version: finishing a half-done upgrade
    public void Kubernetes_versions_one_minor_ahead_within_the_Talos_line_are_accepted(string text)
    {
        Assert.Null(UpgradeTarget.KubernetesProblem(text, K131, Talos110, out var target));
        Assert.Equal(text.TrimStart('v'), $"{target.Major}.{target.Minor}.{target.Patch}");
    }

    [Theory]
    [InlineData("1.32", "is not a Kubernetes release version")]
    [InlineData("v1.32.0-rc.1", "is not a Kubernetes release version")]
    [InlineData("v2.0.0", "is not a Kubernetes release version")]
    [InlineData("v1.31.0", "older than the cluster's v1.31.1: Kubernetes does not support downgrades")]
    [InlineData("v1.33.0", "skips a release line: Kubernetes upgrades go one minor at a time (v1.31 → v1.32.x first)")]
    public void Bad_kubernetes_versions_say_why(string text, string message) =>
        Assert.Contains(message, UpgradeTarget.KubernetesProblem(text, K131, Talos110, out _));

    [Fact]
    public void A_kubernetes_version_the_Talos_line_does_not_support_is_refused_and_an_unknown_line_is_not_guessed()
    {
        Assert.Contains("outside what Talos v1.10 supports (Kubernetes v1.28 to v1.33); upgrade Talos first",
            UpgradeTarget.KubernetesProblem("v1.34.0", new(1, 33, 2), Talos110, out _));
        Assert.Null(UpgradeTarget.KubernetesProblem("v1.34.0", new(1, 33, 2), new(1, 11, 0), out _));
        Assert.Contains("I don't know which Kubernetes versions Talos v1.14 supports",
            UpgradeTarget.KubernetesProblem("v1.32.0", K131, new(1, 14, 0), out _));
    }

    [Fact]
    public void A_Talos_upgrade_is_checked_against_the_target_lines_data()
    {
        // the cluster's Kubernetes must be one the new line runs (v1.12: 1.30 to 1.35)
        Assert.Contains("Talos v1.12 runs Kubernetes v1.30 to v1.35 and the cluster runs Kubernetes v1.29.10; upgrade Kubernetes to v1.30.x first",
            UpgradeTarget.Problem("v1.12.0", new(1, 11, 5), out _, new(1, 29, 10)));
        Assert.Null(UpgradeTarget.Problem("v1.12.0-beta.1", new(1, 11, 5), out var beta, new(1, 31, 1)));
        Assert.Equal("beta.1", beta.PreRelease);
        // a line without a data file names the file to add
        Assert.Contains("add src/HomeOps.Compile/Talos/Lines/v1.14.yaml", UpgradeTarget.Problem("v1.14.0", new(1, 13, 9), out _));
    }

    [Fact]
    public void Before_an_upgrade_every_node_must_be_Ready_and_no_volume_degraded_or_faulted()
    {
        var healthy = new KubernetesView([Node("mini01"), Node("mini02")], [Volume("pvc-a", "healthy"), Volume("pvc-b", "unknown")]);
        Assert.Empty(KubernetesGates.BeforeUpgrade(healthy, Refs));

        var sick = new KubernetesView([Node("mini01", ready: false)], [Volume("pvc-a", "degraded"), Volume("pvc-b", "faulted")]);
        Assert.Equal([
            "Node mini01 is NotReady (container runtime network not ready)",
            "mini02 has no Node object in the Kubernetes API (its kubelet has not registered)",
            "Longhorn volume pvc-a is degraded (state attached); let Longhorn rebuild its replicas first",
            "Longhorn volume pvc-b is faulted (state attached); let Longhorn rebuild its replicas first",
        ], KubernetesGates.BeforeUpgrade(sick, Refs));
    }

    [Fact]
    public void A_kubelet_already_newer_than_the_target_refuses_the_kubernetes_upgrade()
    {
        var view = new KubernetesView([Node("mini01", kubelet: "v1.32.1"), Node("mini02")], null);
        Assert.Equal(["the kubelet on mini01 already runs v1.32.1, newer than v1.32.0"], KubernetesGates.BeforeUpgrade(view, Refs, new(1, 32, 0)));
    }

    [Fact]
    public void Settled_needs_Ready_Nodes_the_kubelet_version_and_the_volumes_healthy_before_not_degraded()
    {
        var before = new KubernetesView([Node("mini01"), Node("mini02")], [Volume("pvc-a", "healthy"), Volume("pvc-b", "degraded")]);
        var healthyBefore = before.HealthyVolumes;
        Assert.Equal(["pvc-a"], healthyBefore);

        // a volume degraded before the node went down does not hold the gate; one that was healthy does
        var rebuilding = new KubernetesView([Node("mini01"), Node("mini02")], [Volume("pvc-a", "degraded"), Volume("pvc-b", "degraded")]);
        Assert.Equal(["Longhorn volume pvc-a is degraded (healthy before; Longhorn is still rebuilding its replicas or cannot)"],
            KubernetesGates.Settled(rebuilding, Refs, null, healthyBefore));
        var rebuilt = new KubernetesView([Node("mini01"), Node("mini02")], [Volume("pvc-a", "healthy"), Volume("pvc-b", "degraded")]);
        Assert.Empty(KubernetesGates.Settled(rebuilt, Refs, null, healthyBefore));

        var halfway = new KubernetesView([Node("mini01", kubelet: "v1.32.0"), Node("mini02")], []);
        Assert.Equal(["the kubelet on mini02 reports v1.31.1, not v1.32.0"], KubernetesGates.Settled(halfway, Refs, new(1, 32, 0), healthyBefore));
    }

    [Fact]
    public void A_Node_registered_under_another_name_is_found_by_its_InternalIP()
    {
        var view = new KubernetesView([Node("talos-abc", ip: "10.0.0.1"), Node("mini02")], null);
        Assert.Empty(KubernetesGates.BeforeUpgrade(view, Refs));
    }

    [Fact]
    public void Upgrade_k8s_output_names_the_node_it_stopped_at_and_summarises_without_per_node_detail()
    {
        const string output = """
            automatically detected the lowest Kubernetes version 1.31.1
            updating kubelet to version "1.32.0"
             > "10.0.0.1": starting update
             < "10.0.0.1": successfully updated
             > "10.0.0.2": starting update
            """;
        Assert.Equal("10.0.0.2", UpgradeK8sOutput.LastStarted(output));
        Assert.Null(UpgradeK8sOutput.LastStarted("checking for resource APIs to be deprecated in version 1.32.0"));
        Assert.Equal(["automatically detected the lowest Kubernetes version 1.31.1", "updating kubelet to version \"1.32.0\""], UpgradeK8sOutput.Summary(output));
    }
}
