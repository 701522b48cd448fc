using HomeOps.Compile.Talos;
using HomeOps.Operations.Observe;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Maintenance;

/// <summary>
/// Day-2 operations on a running cluster (reset, etcd snapshot, Talos and Kubernetes upgrades; the upgrades are in
/// Upgrades.cs) over the talosctl adapter and, for the upgrades' health gates, the Kubernetes API. Every operation
/// validates its input and reads the cluster first, prints its plan, asks, and only then changes anything; a refusal,
/// bad input or an unreachable cluster means no mutating talosctl call was made. <paramref name="connectCluster"/> is
/// called only by the operations that read the Kubernetes API (the upgrades), so reset and snapshot work without it; the
/// API it reaches must be this cluster's (<see cref="ClusterIdentity"/>, <paramref name="apiServer"/> names a tunnel).
/// The command line holds the repository's cluster lock around every operation that changes the cluster, so what is
/// read here is not changed by another homeops run; quorum is judged again right before each node is taken down.
/// </summary>
public sealed partial class ClusterOperations(ITalosctl talos, TalosPlan plan, IWorkspace workspace, IOperatorConsole console, TimeProvider clock,
    WaitSettings? wait = null, Func<IClusterReader>? connectCluster = null, string? apiServer = null, string kubeconfig = "the kubeconfig")
{
    private readonly WaitSettings _wait = wait ?? WaitSettings.Default;

    public TalosHealth Health { get; } = TalosHealth.For(talos, plan, workspace.Root);

    public string Talosconfig => Health.Talosconfig;

    public IReadOnlyList<NodeRef> Nodes => Health.Nodes;

    public NodeRef Node(string name) =>
        Nodes.FirstOrDefault(n => n.Hostname == name || n.Ip == name)
        ?? throw new OperationInputException($"unknown node '{name}'; talconfig.yaml has: {string.Join(", ", Nodes.Select(n => n.ToString()))}");

    private void RequireTalosconfig()
    {
        if (!workspace.FileExists(Talosconfig))
            throw new OperationInputException($"{Path.GetRelativePath(workspace.Root, Talosconfig)} not found; run `homeops talos genconfig` first (it writes the talosconfig the cluster was built with)");
    }

    // ---- health ----

    /// <summary>Every node's Talos and etcd state (<see cref="TalosHealth"/>).</summary>
    public Task<(IReadOnlyList<NodeHealth> Nodes, int Members)> HealthAsync(CancellationToken cancel) => Health.ReadAsync(cancel);

    // ---- etcd snapshot ----

    /// <summary>The default snapshot path: .homeops/etcd/CLUSTER-UTC.db (gitignored runtime state).</summary>
    public string DefaultSnapshotPath() =>
        Path.Combine(".homeops", "etcd", $"{plan.Config.ClusterName}-{clock.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}.db");

    /// <summary>
    /// Checks a snapshot target before anything runs: not an existing file, and a path Git ignores (a snapshot holds every
    /// Secret in the cluster: not tracked, not committable, not through a symlink, inside the repository).
    /// </summary>
    public string CheckSnapshotPath(string? path)
    {
        var relative = path ?? DefaultSnapshotPath();
        var full = Path.GetFullPath(Path.Combine(workspace.Root, relative));
        if (workspace.RefuseSecretTargets([full]) is { Count: > 0 } refused)
            throw new OperationInputException($"refusing to write an etcd snapshot to {relative} (a snapshot holds every Secret in the cluster): " +
                $"{refused[0].Message}; use a gitignored path such as .homeops/etcd/");
        if (workspace.FileExists(full))
            throw new OperationInputException($"{relative} already exists; choose another --out (snapshots are never overwritten)");
        return full;
    }

    /// <summary>
    /// Claims the snapshot's file exclusively (O_EXCL, 0600, in a 0700 directory) before talosctl writes it: a name
    /// another run took, or one that appeared since the check, is refused, never overwritten.
    /// </summary>
    public void ClaimSnapshot(string fullPath)
    {
        if (!workspace.TryCreateExclusive(fullPath))
            throw new OperationRefusedException($"{Path.GetRelativePath(workspace.Root, fullPath)} appeared since it was checked (another run?); it was not overwritten and nothing was changed");
    }

    /// <summary>`talosctl etcd snapshot` from the first healthy member (other than <paramref name="avoid"/>), into a file claimed exclusively.</summary>
    public async Task<string> SnapshotAsync(string fullPath, IReadOnlyList<NodeHealth> health, NodeRef? avoid, CancellationToken cancel)
    {
        var source = SnapshotSource(health, avoid);
        ClaimSnapshot(fullPath);
        try
        {
            var report = await talos.EtcdSnapshotAsync(source.Ip, Talosconfig, fullPath, cancel);
            console.Say($"etcd snapshot from {source}: {Path.GetRelativePath(workspace.Root, fullPath)} (mode 0600)");
            foreach (var line in report.Split('\n', StringSplitOptions.RemoveEmptyEntries)) console.Say($"  {line}");
            return fullPath;
        }
        catch (ToolFailedException e)
        {
            workspace.DeleteIfEmpty(fullPath);
            throw new OperationFailedException($"etcd snapshot from {source} failed; nothing else was done", source, e.Result.CommandLine, e.Result.Tail(),
                "check etcd with `talosctl -n " + source.Ip + " etcd status`, then rerun");
        }
        catch (OperationCanceledException)
        {
            workspace.DeleteIfEmpty(fullPath);
            throw;
        }
    }

    private static NodeRef SnapshotSource(IReadOnlyList<NodeHealth> health, NodeRef? avoid) =>
        health.Where(h => h.EtcdMember && h.Healthy).OrderBy(h => h.Node.Ip == avoid?.Ip ? 1 : 0).Select(h => h.Node).FirstOrDefault()
        ?? throw new OperationRefusedException("no healthy etcd member to take a snapshot from" +
            string.Concat(health.Where(h => !h.Healthy).Select(h => $"; {h.Node} {h.Problem}")));

    /// <summary>`homeops etcd snapshot`; a dry run checks the target and finds the member it would read, and writes nothing.</summary>
    public async Task<string> EtcdSnapshotAsync(string? outPath, bool dryRun, CancellationToken cancel)
    {
        RequireTalosconfig();
        var full = CheckSnapshotPath(outPath);
        var (health, _) = await HealthAsync(cancel);
        if (!dryRun) return await SnapshotAsync(full, health, null, cancel);
        console.Say($"dry run: would take an etcd snapshot from {SnapshotSource(health, null)} into {Path.GetRelativePath(workspace.Root, full)} (mode 0600); nothing was written");
        return full;
    }

    // ---- reset ----

    /// <summary>
    /// Safe reset of one node (or, with <paramref name="all"/>, every node one after another): wipes only the STATE and
    /// EPHEMERAL system partitions and reboots, so the OS stays installed and user disks (the Longhorn SSD) are untouched;
    /// the node comes back in maintenance mode. Snapshot first; refused when etcd would lose quorum (single node), when
    /// the typed cluster name does not match (--all), or when the operator does not confirm.
    /// </summary>
    public async Task ResetAsync(string? nodeName, bool all, Consent consent, CancellationToken cancel)
    {
        if (!all && nodeName is null) throw new OperationInputException("name the node to reset with --node NAME (or --all for the whole cluster)");
        var target = nodeName is null ? null : Node(nodeName);
        RequireTalosconfig();
        var snapshot = CheckSnapshotPath(null);
        var targets = all ? Nodes.ToList() : [target!];
        if (all && target is not null) targets = [target, .. Nodes.Where(n => n != target)];

        var (health, members) = await HealthAsync(cancel);
        if (!all)
        {
            var verdict = EtcdQuorum.CanTakeDown(health, members, target!, "resetting");
            if (!verdict.Allowed)
                throw new OperationRefusedException($"refusing to reset {target}: {verdict.Reason}. Nothing was changed. " +
                    "Bring the other nodes back first (`homeops status`), or reset the whole cluster with --all");
            console.Say(verdict.Reason);
        }

        console.Say($"plan ({plan.Config.ClusterName}):");
        console.Say($"  1. etcd snapshot → {Path.GetRelativePath(workspace.Root, snapshot)}");
        var step = 2;
        for (var i = 0; i < targets.Count; i++)
            console.Say($"  {step++}. {targets[i]}: {talos.ResetCommand(targets[i].Ip, ResetFor(targets, i, all))}");
        console.Say("     wipes only the STATE and EPHEMERAL partitions and reboots: the installed OS and user disks (Longhorn) are kept;");
        console.Say("     the node comes back in maintenance mode, waiting for its config");
        // --all: the typed cluster name is the consent, asked after the plan so the operator knows what it does; --yes does not skip it
        if (all && !consent.DryRun) RequireClusterNameTyped();
        else if (!consent.Proceed(console, $"Reset {target}?")) return;

        if (health.Any(h => h.EtcdMember && h.Healthy))
            await SnapshotAsync(snapshot, health, target, cancel);
        else if (!all)
            throw new OperationRefusedException("no healthy etcd member to snapshot; refusing to reset without a snapshot");
        else
            console.Say("no healthy etcd member: resetting without a snapshot (--all)");

        for (var i = 0; i < targets.Count; i++)
        {
            var node = targets[i];
            var reset = ResetFor(targets, i, all);
            if (!all)
            {
                // judged again right before the wipe: the operator may have taken a while to confirm, and a node may have gone since
                var (now, count) = await HealthAsync(cancel);
                var again = EtcdQuorum.CanTakeDown(now, count, node, "resetting");
                if (!again.Allowed)
                    throw new OperationRefusedException($"refusing to reset {node}: {again.Reason} (it changed since the plan was shown). " +
                        $"Nothing was reset; the snapshot is {Path.GetRelativePath(workspace.Root, snapshot)}. Bring the other nodes back first (`homeops status`)");
            }
            console.Say($"resetting {node} (wiping {string.Join(", ", reset.SystemLabels)}) ...");
            var result = await talos.ResetAsync(node.Ip, Talosconfig, reset, cancel);
            if (result.ExitCode != 0)
            {
                var untouched = targets.Skip(i + 1).ToList();
                throw new OperationFailedException($"reset of {node} failed" + (untouched.Count > 0 ? $"; not touched: {string.Join(", ", untouched)}" : ""),
                    node, result.CommandLine, result.Tail(),
                    $"look at the node (`talosctl -n {node.Ip} dmesg`, its console); once it answers, rerun `homeops reset --node {node.Hostname}`; " +
                    $"the snapshot is {Path.GetRelativePath(workspace.Root, snapshot)}");
            }
            console.Say($"reset {node}: done; it reboots into maintenance mode");
        }
        console.Say(all
            ? "next: `homeops bootstrap` rebuilds the cluster (or restore etcd from the snapshot: docs/runbooks/etcd.md)"
            : $"next: `homeops bootstrap --only talos-config` applies the config again; {targets[0].Hostname} then rejoins etcd (docs/runbooks/reset.md)");
    }

    /// <summary>Graceful (cordon, drain, leave etcd) except for the last node of --all: the last member cannot leave etcd.</summary>
    private void RequireClusterNameTyped()
    {
        console.Say($"--all resets EVERY node of cluster {plan.Config.ClusterName}: etcd and every workload's state are gone afterwards.");
        var typed = console.Ask($"Type the cluster name ({plan.Config.ClusterName}) to continue: ")?.Trim();
        if (typed != plan.Config.ClusterName)
            throw new OperationRefusedException(typed is null
                ? $"--all needs the cluster name typed on stdin ({plan.Config.ClusterName}); nothing was reset"
                : $"'{typed}' is not the cluster name ({plan.Config.ClusterName}); nothing was reset");
    }

    private static TalosReset ResetFor(IReadOnlyList<NodeRef> targets, int index, bool all) =>
        new(TalosReset.SafeLabels, Graceful: !(all && index == targets.Count - 1));
}
