using System.Text.RegularExpressions;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Operations.Observe;

namespace HomeOps.Operations.Maintenance;

public sealed partial class ClusterOperations
{
    private IClusterReader? _cluster;

    /// <summary>The Kubernetes API, once it is known to be this cluster's (<see cref="ClusterIdentity"/>); refused before any gate reads it otherwise.</summary>
    private IClusterReader Cluster => _cluster ??= Identified((connectCluster
        ?? throw new InvalidOperationException("the upgrades read the Kubernetes API: construct ClusterOperations with connectCluster"))());

    private IClusterReader Identified(IClusterReader reader)
    {
        ClusterIdentity.Require(reader.Server, plan, apiServer, kubeconfig);
        return reader;
    }

    private string Timeout => GoDuration.Format(_wait.Timeout);

    private string SnapshotName(string snapshot) => Path.GetRelativePath(workspace.Root, snapshot);

    // ---- Talos ----

    /// <summary>
    /// Rolling Talos upgrade: snapshot, then per node (talconfig order) `talosctl upgrade --image &lt;factory installer&gt; --preserve`,
    /// waiting until it runs VERSION, every node is ready with healthy etcd, every Node is Ready and no Longhorn volume
    /// that was healthy is degraded before the next; nodes already at VERSION are skipped (rerun after a failure
    /// continues). talosVersion in talconfig.yaml changes only when all nodes are done.
    /// </summary>
    public async Task UpgradeTalosAsync(string versionText, Consent consent, CancellationToken cancel)
    {
        if (UpgradeTarget.Problem(versionText, plan.Talos, out var version, plan.Kubernetes) is { } problem)
            throw new OperationInputException($"{problem}; nothing was changed");
        // across a minor line the config contract changes: rewrite the patches it moves, or stop with what to change by hand
        var migration = TalosMigration.Plan(plan, version, new WorkspaceTree(workspace));
        if (migration.Manual.Count > 0)
            throw new OperationInputException($"Talos {version} brings the {migration.To.Name} config contract, and the repository needs these changes first " +
                $"(nothing was changed):\n  - {string.Join("\n  - ", migration.Manual)}\nthen rerun `homeops upgrade talos {version}`");
        RequireTalosconfig();
        var snapshot = CheckSnapshotPath(null);
        var images = plan.Nodes.ToDictionary(n => n.Node.IpAddress, n => InstallerImage.For(plan.Config, n, version));

        var (health, view) = await RequireHealthyAsync(null, cancel);
        var healthyVolumes = view.HealthyVolumes;
        var current = new Dictionary<string, string?>();
        foreach (var n in Nodes) current[n.Ip] = await talos.ServerVersionAsync(n.Ip, Talosconfig, cancel);
        var todo = Nodes.Where(n => current[n.Ip] != version.ToString()).ToList();

        console.Say($"plan: Talos {plan.Talos} → {version} on {plan.Config.ClusterName}, one node at a time:");
        console.Say($"  1. etcd snapshot → {SnapshotName(snapshot)}");
        var step = 2;
        foreach (var n in Nodes)
            console.Say(todo.Contains(n)
                ? $"  {step++}. {n} ({current[n.Ip] ?? "?"}): {talos.UpgradeCommand(n.Ip, images[n.Ip])}, then wait for {version}, ready, etcd healthy"
                : $"     {n}: already at {version}, skipped");
        console.Say($"     after each node: {GateDescription(view)} (up to {Timeout})");
        foreach (var edit in migration.Edits)
        {
            console.Say($"  {step++}. rewrite {edit.Path} for the Talos {migration.To.Name} contract:");
            foreach (var change in edit.Changes) console.Say($"       {change}");
        }
        console.Say($"  {step}. talosVersion: {version} in talconfig.yaml");
        if (!consent.Proceed(console, $"Upgrade {todo.Count} node(s) to {version}?")) return;

        if (todo.Count > 0) await SnapshotAsync(snapshot, health, null, cancel);
        for (var i = 0; i < todo.Count; i++)
        {
            var node = todo[i];
            var untouched = todo.Skip(i + 1).ToList();
            string NotTouched() => untouched.Count > 0 ? $"; not touched: {string.Join(", ", untouched)}" : "";
            string Next(string fix) => $"{fix}; then rerun `homeops upgrade talos {version}` (nodes already at {version} are skipped). " +
                $"talconfig.yaml still says {plan.Talos}; the snapshot is {SnapshotName(snapshot)}";

            var (now, count) = await HealthAsync(cancel);
            var verdict = EtcdQuorum.CanTakeDown(now, count, node, "upgrading");
            if (!verdict.Allowed)
                throw new OperationFailedException($"stopped before {node}: {verdict.Reason}{NotTouched()}", node, null, null,
                    Next("bring the unhealthy node back"));
            console.Say($"upgrading {node} to {version} ...");
            var result = await talos.UpgradeAsync(node.Ip, Talosconfig, images[node.Ip], cancel);
            if (result.ExitCode != 0)
                throw new OperationFailedException($"upgrade of {node} to {version} failed{NotTouched()}", node, result.CommandLine, result.Tail(),
                    Next($"look at {node.Hostname} (`talosctl -n {node.Ip} dmesg`, `talosctl -n {node.Ip} get machinestatus`)"));
            if (await WaitUntilAsync(() => TalosNodeBackAsync(node, version.ToString(), healthyVolumes, cancel), cancel) is { } stuck)
                throw new OperationFailedException($"{node} did not come back healthy on {version} within {Timeout}: {stuck}{NotTouched()}",
                    node, result.CommandLine, result.Tail(), Next(LookAt(node)));
            console.Say($"{node}: running {version}, ready, etcd healthy, Node Ready, Longhorn volumes healthy");
        }
        foreach (var edit in migration.Edits)
        {
            workspace.ReplaceText(edit.Path, edit.After);
            console.Say($"rewrote {edit.Path} for the Talos {migration.To.Name} contract");
        }
        UpdateTalConfigVersion("talosVersion", version.ToString());
        console.Say($"all nodes run {version}; talconfig.yaml talosVersion: {version}{(migration.Edits.Count > 0 ? " and the rewritten patches" : "")} (commit it; `homeops check` passes)");
    }

    private async Task<string?> TalosNodeBackAsync(NodeRef node, string version, IReadOnlySet<string> healthyVolumes, CancellationToken cancel)
    {
        var running = await talos.ServerVersionAsync(node.Ip, Talosconfig, cancel);
        return running != version ? $"it runs {running ?? "nothing that answers"}" : await UnsettledAsync(null, healthyVolumes, cancel);
    }

    // ---- Kubernetes ----

    /// <summary>
    /// Kubernetes upgrade through `talosctl upgrade-k8s` (which walks the control-plane components and then every
    /// kubelet, node by node): VERSION checked against the cluster's Kubernetes and Talos line, a healthy cluster,
    /// snapshot, a dry run, the real run, then a wait until every Node is Ready with its kubelet at VERSION, etcd is
    /// healthy and no Longhorn volume that was healthy is degraded. kubernetesVersion in talconfig.yaml changes only then.
    /// </summary>
    public async Task UpgradeKubernetesAsync(string versionText, Consent consent, CancellationToken cancel)
    {
        if (UpgradeTarget.KubernetesProblem(versionText, plan.Kubernetes, plan.Talos, out var version) is { } problem)
            throw new OperationInputException($"{problem}; nothing was changed");
        RequireTalosconfig();
        var snapshot = CheckSnapshotPath(null);

        var (health, view) = await RequireHealthyAsync(version, cancel);
        var healthyVolumes = view.HealthyVolumes;
        var through = health.Where(h => h.Node.ControlPlane && h.Healthy).Select(h => h.Node).FirstOrDefault()
            ?? throw new OperationRefusedException("no healthy control-plane node to run `talosctl upgrade-k8s` through; nothing was changed");
        // talosctl's own examples pass the bare version (`--to 1.33.0`)
        var to = $"{version.Major}.{version.Minor}.{version.Patch}";
        string Shown(bool dryRun) => talos.UpgradeKubernetesCommand(through.Ip, to, dryRun);
        string Next(string fix) => $"{fix}; then rerun `homeops upgrade kubernetes {version}` (upgrade-k8s resumes from the lowest version it finds). " +
            $"talconfig.yaml still says {plan.Kubernetes}; the snapshot is {SnapshotName(snapshot)}";

        console.Say($"plan: Kubernetes {plan.Kubernetes} → {version} on {plan.Config.ClusterName} (Talos {plan.Talos.Line} supports it):");
        console.Say($"  1. etcd snapshot → {SnapshotName(snapshot)}");
        console.Say($"  2. {Shown(true)}  (prints what would change; changes nothing)");
        console.Say($"  3. {Shown(false)}");
        console.Say($"     through {through.Hostname}: kube-apiserver, kube-controller-manager, kube-scheduler on each control-plane node, kube-proxy,");
        console.Say("     then the kubelet of each node, one node at a time");
        console.Say($"  4. wait until every Node reports kubelet {version}; {GateDescription(view)} (up to {Timeout})");
        console.Say($"  5. kubernetesVersion: {version} in talconfig.yaml");
        if (!consent.Proceed(console, $"Upgrade Kubernetes to {version}?")) return;

        await SnapshotAsync(snapshot, health, null, cancel);
        console.Say($"dry run through {through} ...");
        var dry = await talos.UpgradeKubernetesAsync(through.Ip, Talosconfig, to, true, cancel);
        if (dry.ExitCode != 0)
            throw new OperationFailedException($"the dry run of the Kubernetes upgrade to {version} failed; nothing was upgraded", through, dry.CommandLine, dry.Tail(),
                Next("read talosctl's output (resources of APIs the new version removes must be migrated first)"));
        foreach (var line in UpgradeK8sOutput.Summary(dry.Stdout)) console.Say($"  {line}");

        console.Say($"upgrading Kubernetes to {version} through {through} ...");
        var result = await talos.UpgradeKubernetesAsync(through.Ip, Talosconfig, to, false, cancel);
        if (result.ExitCode != 0)
        {
            var stoppedAt = UpgradeK8sOutput.LastStarted(result.Stdout) is { } ip ? Nodes.FirstOrDefault(n => n.Ip == ip) : null;
            throw new OperationFailedException($"`talosctl upgrade-k8s` to {version} failed" + (stoppedAt is null ? "" : $" at {stoppedAt}"),
                stoppedAt ?? through, result.CommandLine, result.Tail(), Next(LookAt(stoppedAt ?? through)));
        }
        if (await WaitUntilAsync(() => UnsettledAsync(version, healthyVolumes, cancel), cancel) is { } stuck)
            throw new OperationFailedException($"talosctl upgrade-k8s finished, but the cluster did not settle on Kubernetes {version} within {Timeout}: {stuck}",
                through, result.CommandLine, null, Next("look at the nodes named (`kubectl get nodes -o wide`, `talosctl -n IP service kubelet`)"));
        UpdateTalConfigVersion("kubernetesVersion", version.ToString());
        console.Say($"every Node is Ready with kubelet {version}; talconfig.yaml kubernetesVersion: {version} (commit it)");
    }

    // ---- gates and waiting ----

    /// <summary>
    /// Both upgrades start only here: Talos says every node is healthy and the Kubernetes gates are open. A Kubernetes
    /// API that does not answer throws <see cref="ClusterUnreachableException"/> before anything changed.
    /// </summary>
    private async Task<(IReadOnlyList<NodeHealth> Health, KubernetesView View)> RequireHealthyAsync(ReleaseVersion? kubelet, CancellationToken cancel)
    {
        var (health, _) = await HealthAsync(cancel);
        var view = await ReadKubernetesAsync(cancel);
        var problems = health.Where(h => !h.Healthy).Select(h => $"{h.Node} {h.Problem}").Concat(KubernetesGates.BeforeUpgrade(view, Nodes, kubelet)).ToList();
        if (problems.Count > 0)
            throw new OperationRefusedException("refusing to start an upgrade on an unhealthy cluster: " + string.Join("; ", problems) +
                ". Nothing was changed; fix these first (`homeops status`)");
        return (health, view);
    }

    private async Task<KubernetesView> ReadKubernetesAsync(CancellationToken cancel) =>
        new(await Cluster.NodesAsync(cancel), await Cluster.LonghornVolumesAsync(cancel));

    /// <summary>
    /// Null once Talos says every node is healthy and the Kubernetes gates are open; otherwise why not. While waiting,
    /// an API that does not answer is a reason to wait (a restarting control-plane node takes its API server with it).
    /// </summary>
    private async Task<string?> UnsettledAsync(ReleaseVersion? kubelet, IReadOnlySet<string> healthyVolumes, CancellationToken cancel)
    {
        var (health, _) = await HealthAsync(cancel);
        var problems = health.Where(h => !h.Healthy).Select(h => $"{h.Node} {h.Problem}").ToList();
        if (problems.Count == 0)
        {
            try { problems.AddRange(KubernetesGates.Settled(await ReadKubernetesAsync(cancel), Nodes, kubelet, healthyVolumes)); }
            catch (ClusterUnreachableException e) { problems.Add(e.Message); }
        }
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>Calls <paramref name="unsettled"/> until it says null; its last reason when the node timeout passes first.</summary>
    private Task<string?> WaitUntilAsync(Func<Task<string?>> unsettled, CancellationToken cancel) =>
        Poll.UntilAsync(_ => unsettled(), _wait, clock, cancel);

    private static string GateDescription(KubernetesView view) =>
        "every node ready with etcd healthy, every Node Ready, " + (view.Volumes is null
            ? "no Longhorn volumes to watch (Longhorn is not installed)"
            : $"none of the {view.HealthyVolumes.Count} healthy Longhorn volume(s) degraded or faulted");

    private static string LookAt(NodeRef node) =>
        $"look at {node.Hostname} (`talosctl -n {node.Ip} dmesg`, `kubectl get node {node.Hostname}`, `kubectl -n longhorn-system get volumes.longhorn.io`)";

    /// <summary>Rewrites one top-level version line of talconfig.yaml (talosVersion, kubernetesVersion) in place, comments and layout kept.</summary>
    private void UpdateTalConfigVersion(string key, string version)
    {
        var path = RepoPath.Join(plan.ConfigDirectory, RepoFiles.TalConfig);
        var text = workspace.ReadText(path);
        var updated = Regex.Replace(text, $@"^({Regex.Escape(key)}:\s*)(\S+)(.*)$", m => m.Groups[1].Value + version + m.Groups[3].Value, RegexOptions.Multiline);
        if (updated == text && !text.Contains($"{key}: {version}"))
            console.Say($"note: no `{key}:` line found in {path}; set it to {version} by hand");
        try { workspace.ReplaceText(path, updated); }
        catch (HomeOpsException e)
        {
            console.Say($"note: {path} was not updated ({string.Join("; ", e.Findings.Select(f => f.Message))}); set {key}: {version} by hand");
        }
    }
}
