using System.Text.Json.Nodes;
using HomeOps.Tests.Operations;
using HomeOps.Tests.Support;
using Xunit.Abstractions;

namespace HomeOps.Tests.Recovery;

/// <summary>
/// `homeops recover` end to end: the reference repository, Talos played by the talosctl stand-in, Flux by the flux
/// stand-in, and the Kubernetes API by the real API server fixture holding the reference cluster's objects.
/// </summary>
[Collection("apiserver")]
[Trait(Category.Name, Category.EndToEnd)]
public sealed class RecoverCommandTests(ApiServerFixture api, ITestOutputHelper output) : IDisposable
{
    private readonly OperationsHarness _cluster = new(gitops: true);

    public void Dispose() => _cluster.Dispose();

    private ProcessResult Recover(string stdin, params string[] extra)
    {
        var result = _cluster.Run(stdin, ["recover", .. OperationsHarness.ThroughTunnel(api.KubeconfigPath), "--timeout", "20s", .. extra]);
        output.WriteLine(result.Output);
        return result;
    }

    private IReadOnlyList<StandIns.Call> Calls(string tool, string command) =>
        _cluster.StandIns.Calls.Where(c => c.Tool == tool && c.Command == command).ToList();

    [SkippableFact]
    public async Task A_healthy_cluster_has_nothing_to_recover()
    {
        api.Require();
        await LiveCluster.ReferenceAsync(api, _cluster.StandIns);
        var result = Recover("");
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("nothing to recover", result.Stdout);
        Assert.Empty(_cluster.MutatingCalls);
    }

    [SkippableFact]
    public async Task Lost_quorum_is_restored_from_the_newest_snapshot_only_after_the_cluster_name_is_typed()
    {
        api.Require();
        await LiveCluster.ReferenceAsync(api, _cluster.StandIns);
        // a snapshot from the good days, then two members' data goes bad
        Assert.Equal(0, _cluster.Run("", "etcd", "snapshot", "--out", ".homeops/etcd/old.db").ExitCode);
        Assert.Equal(0, _cluster.Run("", "etcd", "snapshot", "--out", ".homeops/etcd/newest.db").ExitCode);
        // which is newer is the files' times (as on disk after days apart), not how fast the two runs followed each other
        var newest = Path.Combine(_cluster.Root, ".homeops", "etcd", "newest.db");
        File.SetLastWriteTimeUtc(Path.Combine(_cluster.Root, ".homeops", "etcd", "old.db"), File.GetLastWriteTimeUtc(newest).AddDays(-3));
        _cluster.Talos("etcdErrors", new JsonObject { ["172.29.51.12"] = "etcdserver: no leader", ["172.29.51.13"] = "etcdserver: no leader" });

        var plan = Recover("", "--dry-run");
        Assert.Equal(1, plan.ExitCode);
        Assert.Contains("etcd has lost quorum", plan.Stdout);
        Assert.Contains("evidence: 1 of 3 etcd members healthy; quorum needs 2", plan.Stdout);
        Assert.Contains("else the newest saved snapshot, newest.db", plan.Stdout);
        Assert.Contains("reset --graceful=false --reboot --system-labels-to-wipe EPHEMERAL", plan.Stdout);

        var wrongName = Recover("homeops\n", "--yes");
        Assert.Equal(1, wrongName.ExitCode);
        Assert.Contains("'homeops' is not the cluster name (home-ops)", wrongName.Stderr);
        Assert.Empty(Calls("talosctl", "reset"));

        var restored = Recover("home-ops\n", "--yes");
        Assert.True(restored.ExitCode == 0, restored.Output);
        // mini01's etcd still answers: a fresh snapshot loses less than newest.db, and it is taken before anything is wiped
        Assert.Matches(@"took a fresh snapshot from mini01 \(172\.29\.51\.11\): (home-ops-\S+\.db)", restored.Stdout);
        var fresh = System.Text.RegularExpressions.Regex.Match(restored.Stdout, @"took a fresh snapshot from mini01 \(172\.29\.51\.11\): (\S+\.db)").Groups[1].Value;
        Assert.Contains($"etcd restored from {fresh}: 3 members healthy", restored.Stdout);
        var order = _cluster.StandIns.Calls.Select(c => c.Command).Where(c => c is "etcd snapshot" or "reset" or "get services" or "bootstrap").ToList();
        Assert.Equal("etcd snapshot", order[order.IndexOf("reset") - 1]);
        Assert.True(order.LastIndexOf("reset") < order.IndexOf("get services") && order.LastIndexOf("get services") < order.IndexOf("bootstrap"),
            "wipe every node, see etcd waiting on each, then bootstrap: " + string.Join(", ", order));
        foreach (var (ip, _) in OperationsHarness.Nodes)
        {
            var reset = Assert.Single(_cluster.Node(ip)["resets"]!.AsArray());
            Assert.Equal(["EPHEMERAL"], reset!["systemLabels"]!.AsArray().Select(l => (string)l!));
            Assert.False((bool)reset["graceful"]!);
            Assert.Equal("configured", (string?)_cluster.Node(ip)["mode"]); // STATE kept: the config survives
        }
        var recovery = Assert.Single(_cluster.StandIns.StateOf("talos.json")["recoveries"]!.AsArray());
        Assert.Equal("172.29.51.11", (string?)recovery!["node"]);
        Assert.EndsWith($".homeops/etcd/{fresh}", (string?)recovery["snapshot"]);
        Assert.Empty(_cluster.Violations);

        var after = Recover("");
        Assert.True(after.ExitCode == 0, after.Output);
        Assert.Contains("nothing to recover", after.Stdout);
    }

    [SkippableFact]
    public async Task Without_a_live_snapshot_the_database_file_of_a_surviving_member_is_copied_and_restored_without_the_hash_check()
    {
        api.Require();
        await LiveCluster.ReferenceAsync(api, _cluster.StandIns);
        _cluster.Talos("etcdErrors", new JsonObject { ["172.29.51.12"] = "etcdserver: no leader", ["172.29.51.13"] = "etcdserver: no leader" });
        var knobs = _cluster.StandIns.Knobs;
        knobs["fail"] = new JsonArray(new JsonObject
        {
            ["tool"] = "talosctl",
            ["command"] = "etcd snapshot",
            ["times"] = 10,
            ["stderr"] = "error reading snapshot: rpc error: code = Unavailable desc = etcdserver: no leader"
        });
        _cluster.StandIns.Knobs = knobs;

        var restored = Recover("home-ops\n", "--yes");
        Assert.True(restored.ExitCode == 0, restored.Output);
        Assert.Contains("copied /var/lib/etcd/member/snap/db off mini01 (172.29.51.11)", restored.Stdout);
        var bootstrap = Assert.Single(Calls("talosctl", "bootstrap"));
        Assert.Contains("--recover-skip-hash-check", bootstrap.Argv);
        Assert.Empty(_cluster.Violations);
    }

    [SkippableFact]
    public async Task With_no_copy_and_no_saved_snapshot_nothing_is_wiped()
    {
        api.Require();
        await LiveCluster.ReferenceAsync(api, _cluster.StandIns);
        _cluster.Talos("etcdErrors", new JsonObject { ["172.29.51.12"] = "etcdserver: no leader", ["172.29.51.13"] = "etcdserver: no leader" });
        _cluster.Talos("etcdDataLost", new JsonArray("172.29.51.11", "172.29.51.12", "172.29.51.13"));
        var knobs = _cluster.StandIns.Knobs;
        knobs["fail"] = new JsonArray(new JsonObject { ["tool"] = "talosctl", ["command"] = "etcd snapshot", ["times"] = 10, ["stderr"] = "etcdserver: no leader" });
        _cluster.StandIns.Knobs = knobs;

        var refused = Recover("home-ops\n", "--yes");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("nothing was wiped", refused.Stderr);
        Assert.Empty(Calls("talosctl", "reset"));
    }

    [SkippableFact]
    public async Task A_node_in_maintenance_mode_gets_its_config_back_after_a_yes()
    {
        api.Require();
        await LiveCluster.ReferenceAsync(api, _cluster.StandIns);
        Assert.Equal(0, _cluster.Run("", "reset", "--node", "mini03", "--yes").ExitCode); // STATE wiped: maintenance mode
        var config = Path.Combine(_cluster.Root, "talos", "clusterconfig", "home-ops-mini03.yaml");
        File.WriteAllText(config, "version: v1alpha1\nmachine: {type: controlplane}\n");

        var declined = Recover(""); // no terminal and no --yes: nothing runs
        Assert.Equal(1, declined.ExitCode);
        Assert.Contains("mini03 (172.29.51.13) is in maintenance mode", declined.Stdout);
        Assert.Contains("skipped: apply mini03's config", declined.Stdout);
        Assert.Empty(Calls("talosctl", "apply-config"));

        var result = Recover("", "--yes");
        Assert.True(result.ExitCode == 0, result.Output);
        var apply = Assert.Single(Calls("talosctl", "apply-config"));
        Assert.Equal("172.29.51.13", apply.Node);
        Assert.Contains(config, apply.Argv);
        Assert.Equal("configured", (string?)_cluster.Node("172.29.51.13")["mode"]);
        Assert.Empty(_cluster.Violations);
    }

    [SkippableFact]
    public async Task Stalled_Flux_objects_are_reconciled_with_their_source_and_a_reconcile_that_still_fails_is_shown()
    {
        api.Require();
        var live = await LiveCluster.ReferenceAsync(api, _cluster.StandIns);
        await live.FluxAsync(TestCrds.Kustomization, "apps", false, "kustomize build failed: accumulating resources: 'apps/whoami' not found");
        await live.FluxAsync(TestCrds.HelmRelease, "authentik", false, "install retries exhausted");
        var knobs = _cluster.StandIns.Knobs;
        knobs["flux"] = new JsonObject { ["reconcileFails"] = new JsonObject { [$"{live.Namespace}/apps"] = "kustomize build failed" } };
        _cluster.StandIns.Knobs = knobs;

        var result = Recover("", "--yes");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("2 Flux object(s) not Ready", result.Stdout);
        Assert.Contains($"evidence: Kustomization {live.Namespace}/apps: ReconciliationFailed: kustomize build failed", result.Stdout);
        var reconciled = _cluster.StandIns.StateOf("flux.json")["reconciled"]!.AsArray();
        Assert.Equal(2, reconciled.Count);
        Assert.All(reconciled, r => Assert.True((bool)r!["withSource"]!));
        Assert.Contains($"HelmRelease {live.Namespace}/authentik: reconciled", result.Stdout);
        Assert.Contains($"Kustomization {live.Namespace}/apps: still failing", result.Stdout);
    }

    [SkippableFact]
    public async Task An_API_that_cannot_be_reached_without_a_kubeconfig_gets_a_fresh_one_from_Talos()
    {
        api.Require();
        await LiveCluster.ReferenceAsync(api, _cluster.StandIns);
        _cluster.Talos("kubeconfig", api.KubeconfigPath); // what talosctl kubeconfig hands out: the real API server's
        var environment = _cluster.StandIns.Environment.ToDictionary();
        environment["KUBECONFIG"] = "";

        var first = Process.HomeOpsWithInput(_cluster.Root, environment, "", "recover", "--yes");
        output.WriteLine(first.Output);
        Assert.Equal(1, first.ExitCode); // the checks after the fresh kubeconfig are by hand
        Assert.Contains("Talos is up but the Kubernetes API does not answer", first.Stdout);
        Assert.Contains("no kubeconfig at", first.Stdout);
        Assert.True(File.Exists(Path.Combine(_cluster.Root, ".homeops", "kubeconfig")));

        // the fresh kubeconfig names the tests' API server on 127.0.0.1, which stands in for the cluster's endpoint
        var second = Process.HomeOpsWithInput(_cluster.Root, environment, "", "recover", "--api-server", api.Server);
        output.WriteLine(second.Output);
        Assert.True(second.ExitCode == 0, second.Output);
    }

    [SkippableFact]
    public void A_bad_timeout_is_refused_before_anything_is_read()
    {
        var result = _cluster.Run("", "recover", "--timeout", "soon");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--timeout 'soon' is not a duration", result.Stderr);
        Assert.Empty(_cluster.StandIns.Calls);
    }
}
