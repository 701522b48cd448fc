using HomeOps.Operations.Maintenance;
using HomeOps.Operations.Observe;
using HomeOps.Operations.Recovery;
using HomeOps.Operations.Status;
using HomeOps.Operations.Tools;

namespace HomeOps.Tests.Recovery;

/// <summary>recover's diagnosis without a cluster: which situations, in which order, and which steps homeops may run.</summary>
public sealed class RecoveryPlannerTests
{
    private static readonly NodeRef[] Nodes = [new("mini01", "172.29.51.11", true), new("mini02", "172.29.51.12", true), new("mini03", "172.29.51.13", true)];
    private static readonly StatusExpectation Expected = new("home-ops", Nodes, "v1.10.5", "v1.31.1", null, "no BGP", []);

    private static NodeHealth Up(NodeRef n) => new(n, true, true, true, true, null);

    private static NodeHealth Down(NodeRef n) => new(n, false, false, true, false, "does not answer on the Talos API");

    private static ClusterObservation Seen(IReadOnlyList<NodeHealth> talos, int members = 3, string? apiProblem = null,
        IReadOnlyList<FluxObject>? flux = null, CiliumHealth? cilium = null) =>
        new(DateTimeOffset.UnixEpoch,
            Read.Of<TalosObservation>(new TalosObservation(talos, members, new Dictionary<string, string?>())),
            apiProblem is null ? Read.Of<IReadOnlyList<LiveNode>>([]) : Read.Failed<IReadOnlyList<LiveNode>>(apiProblem),
            apiProblem is null ? Read.Of<IReadOnlyList<FluxObject>>(flux ?? []) : Read.Failed<IReadOnlyList<FluxObject>>(apiProblem),
            apiProblem is null ? Read.Of<CiliumHealth>(cilium ?? new CiliumHealth(true, [])) : Read.Failed<CiliumHealth>(apiProblem),
            Read.Of<IReadOnlyList<BgpPeerStatus>>([]), Read.Of<IReadOnlyList<LiveService>>([]), Read.Of<IReadOnlyList<LonghornVolume>>([]),
            Read.Of<IReadOnlyList<LonghornNode>>([]), Read.Of<IReadOnlyList<CertificateStatus>>([]));

    private static RecoveryFacts Facts(Dictionary<string, TalosNodeState>? silent = null, string? snapshot = "/repo/.homeops/etcd/new.db") =>
        new(silent ?? [], snapshot is null ? null : new SavedSnapshot(snapshot, DateTimeOffset.UnixEpoch.AddHours(-30)), Nodes.ToDictionary(n => n.Hostname, n => $"/repo/talos/clusterconfig/home-ops-{n.Hostname}.yaml"),
            "/repo/.homeops/kubeconfig", true, true);

    [Fact]
    public void Two_nodes_down_is_lost_quorum_but_the_restore_is_not_run_until_every_control_plane_answers()
    {
        var talos = Nodes.Select((n, i) => i == 0 ? Up(n) : Down(n)).ToList();
        var silent = new Dictionary<string, TalosNodeState> { ["172.29.51.12"] = TalosNodeState.Unreachable, ["172.29.51.13"] = TalosNodeState.Unreachable };
        var situations = RecoveryPlanner.Plan(Expected, Seen(talos), Facts(silent), "talosconfig");
        Assert.Equal(["node-down/mini02", "node-down/mini03", "etcd-quorum"], situations.Select(s => s.Id));
        Assert.All(situations.SelectMany(s => s.Steps), step => Assert.Null(step.Action));
        Assert.StartsWith("bring every control-plane node back first", situations[2].Steps[0].What);
    }

    [Fact]
    public void Without_a_saved_snapshot_the_restore_still_runs_from_a_fresh_copy_and_says_there_is_nothing_to_fall_back_on()
    {
        var talos = Nodes.Select((n, i) => i == 0 ? Up(n) : new NodeHealth(n, true, true, true, false, "has etcd errors")).ToList();
        var quorum = Assert.Single(RecoveryPlanner.Plan(Expected, Seen(talos), Facts(snapshot: null), "talosconfig"));
        var restore = Assert.Single(quorum.Steps);
        Assert.Equal(StepRisk.Destructive, restore.Risk);
        Assert.Null(Assert.IsType<RecoveryAction.RestoreEtcd>(restore.Action).SavedSnapshot);
        Assert.Contains("there is no saved snapshot in .homeops/etcd/ to fall back on", restore.What);
        var withSaved = Assert.Single(RecoveryPlanner.Plan(Expected, Seen(talos), Facts(), "talosconfig"));
        Assert.Contains("else the newest saved snapshot, new.db (taken 30 hours ago)", withSaved.Steps[0].What);
    }

    [Fact]
    public void Nodes_Talos_calls_not_ready_with_etcd_healthy_are_not_lost_quorum()
    {
        // a crashlooping kubelet makes MachineStatus not ready; etcd itself is fine
        var talos = Nodes.Select((n, i) => i == 0 ? Up(n) : new NodeHealth(n, true, false, true, true, "is not ready (stage running; kubelet)")).ToList();
        Assert.DoesNotContain(RecoveryPlanner.Plan(Expected, Seen(talos), Facts(), "talosconfig"), s => s.Id.StartsWith("etcd"));
    }

    [Fact]
    public void An_unreadable_member_list_without_etcd_errors_is_unknown_and_offers_nothing_destructive()
    {
        var notRunning = new EtcdMemberStatus("", false, null, [], "etcd is not running on this node");
        var talos = Nodes.Select(n => new NodeHealth(n, true, true, false, false, null, notRunning)).ToList();
        var unknown = Assert.Single(RecoveryPlanner.Plan(Expected, Seen(talos, members: 0), Facts(), "talosconfig"));
        Assert.Equal("etcd-unknown", unknown.Id);
        Assert.All(unknown.Steps, step => Assert.Equal(StepRisk.Manual, step.Risk));

        // the same, but two members answer with "no leader": that is positive evidence
        var leaderless = new EtcdMemberStatus("", true, "1", ["etcdserver: no leader"], null);
        var evidenced = Nodes.Select((n, i) => new NodeHealth(n, true, true, false, false, null, i == 0 ? notRunning : leaderless)).ToList();
        Assert.Equal("etcd-quorum", Assert.Single(RecoveryPlanner.Plan(Expected, Seen(evidenced, members: 0), Facts(), "talosconfig")).Id);
    }

    [Fact]
    public void One_member_down_keeps_quorum_and_is_not_an_etcd_situation()
    {
        var talos = Nodes.Select((n, i) => i == 2 ? Down(n) : Up(n)).ToList();
        var silent = new Dictionary<string, TalosNodeState> { ["172.29.51.13"] = TalosNodeState.Maintenance };
        var situation = Assert.Single(RecoveryPlanner.Plan(Expected, Seen(talos), Facts(silent), "talosconfig"));
        Assert.Equal("maintenance/mini03", situation.Id);
        var apply = Assert.IsType<RecoveryAction.ApplyConfig>(Assert.Single(situation.Steps).Action);
        Assert.Equal("/repo/talos/clusterconfig/home-ops-mini03.yaml", apply.ConfigFile);
    }

    [Fact]
    public void A_kubeconfig_that_is_not_homeops_own_is_never_overwritten()
    {
        var facts = Facts() with { Kubeconfig = "/home/op/.kube/config", OwnKubeconfig = false };
        var api = Assert.Single(RecoveryPlanner.Plan(Expected, Seen(Nodes.Select(Up).ToList(), apiProblem: "connection refused"), facts, "talosconfig"));
        Assert.Equal("api-unreachable", api.Id);
        Assert.All(api.Steps, step => Assert.Null(step.Action));
    }

    [Fact]
    public void CNI_down_comes_before_stalled_Flux_and_suspended_objects_are_left_alone()
    {
        FluxObject Flux(string name, bool ready, bool suspended) => new("Kustomization", "flux-system", name, ready, suspended, ready ? "" : "ReconciliationFailed", "x");
        var seen = Seen(Nodes.Select(Up).ToList(), flux: [Flux("apps", false, false), Flux("paused", false, true), Flux("infra", true, false)],
            cilium: new CiliumHealth(false, ["2 pods of DaemonSet cilium are not ready"]));
        var situations = RecoveryPlanner.Plan(Expected, seen, Facts(), "talosconfig");
        Assert.Equal(["cni-down", "flux-stalled"], situations.Select(s => s.Id));
        var reconcile = Assert.Single(situations[1].Steps, s => s.Action is not null);
        Assert.Equal(new RecoveryAction.Reconcile("Kustomization", "flux-system", "apps"), reconcile.Action);
    }
}
