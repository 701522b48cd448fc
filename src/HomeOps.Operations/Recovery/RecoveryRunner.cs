using HomeOps.Model;
using HomeOps.Operations.Maintenance;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Recovery;

/// <summary>
/// Prints the recovery plan and runs the steps homeops can run: a safe step after a yes (or --yes), a destructive one
/// (the etcd restore) only after the cluster name is typed, even with --yes. Manual steps are printed, never guessed at.
/// Stops at the first step that fails, saying what happened and what to do next.
/// </summary>
public sealed class RecoveryRunner(ITalosctl talos, IFlux flux, ClusterOperations cluster, IWorkspace workspace, IOperatorConsole console, string clusterName,
    string kubeconfig, TimeProvider clock, WaitSettings wait)
{
    /// <summary>Prints every situation; runs nothing on a dry run. True when nothing is left to do by hand or to re-check.</summary>
    public async Task<bool> RunAsync(IReadOnlyList<Situation> situations, Consent consent, CancellationToken cancel)
    {
        if (situations.Count == 0)
        {
            console.Say("nothing to recover: every node answers, etcd has quorum, the API answers, Cilium is ready and Flux is reconciling (`homeops status` for the whole picture)");
            return true;
        }
        Print(situations);
        if (consent.DryRun)
        {
            console.Say("dry run: no step was run; nothing was changed");
            return false;
        }

        var everythingRan = true;
        foreach (var situation in situations)
        {
            foreach (var step in situation.Steps)
            {
                if (step.Action is null)
                {
                    everythingRan = false;
                    continue;
                }
                if (!Agreed(step, consent.Yes))
                {
                    console.Say($"skipped: {step.What}");
                    everythingRan = false;
                    continue;
                }
                everythingRan &= await RunAsync(step.Action, cancel);
            }
        }
        console.Say(everythingRan
            ? "done: every step ran; `homeops status` confirms the cluster is back"
            : "steps above marked manual (or skipped) are still to do; rerun `homeops recover` after each — it re-detects from scratch");
        return everythingRan;
    }

    private void Print(IReadOnlyList<Situation> situations)
    {
        console.Say($"{situations.Count} situation(s) found, in the order to fix them:");
        for (var i = 0; i < situations.Count; i++)
        {
            var situation = situations[i];
            console.Say("");
            console.Say($"{i + 1}. {situation.Summary}  [{situation.Id}]");
            foreach (var evidence in situation.Evidence) console.Say($"   evidence: {evidence}");
            for (var j = 0; j < situation.Steps.Count; j++)
            {
                var step = situation.Steps[j];
                var risk = step.Risk switch
                {
                    StepRisk.Manual => "by hand",
                    StepRisk.Safe => "homeops runs it after a yes",
                    _ => "DESTRUCTIVE: homeops runs it after you type the cluster name",
                };
                console.Say($"   {i + 1}.{j + 1} ({risk}) {step.What}");
                foreach (var line in step.Command.Split('\n')) console.Say($"        $ {line}");
            }
        }
        console.Say("");
    }

    private bool Agreed(RecoveryStep step, bool yes)
    {
        if (step.Risk == StepRisk.Destructive)
        {
            var typed = console.Ask($"{step.What}.\nType the cluster name ({clusterName}) to run it: ")?.Trim();
            if (typed != clusterName)
                throw new OperationRefusedException(typed is null
                    ? $"the etcd restore needs the cluster name typed on stdin ({clusterName}); nothing was changed by it"
                    : $"'{typed}' is not the cluster name ({clusterName}); the etcd restore did not run");
            return true;
        }
        return yes || console.Confirm($"Run: {step.Command.Split('\n')[0]}?");
    }

    private async Task<bool> RunAsync(RecoveryAction action, CancellationToken cancel)
    {
        switch (action)
        {
            case RecoveryAction.ApplyConfig apply:
                console.Say($"applying {apply.ConfigFile} to {apply.Node} ...");
                await Tool(apply.Node, () => talos.ApplyConfigInsecureAsync(apply.Node.Ip, apply.ConfigFile, cancel),
                    $"look at {apply.Node.Hostname}'s console; the config is {apply.ConfigFile}");
                await WaitConfiguredAsync(apply.Node, cancel);
                console.Say($"{apply.Node}: configured again; it rejoins etcd and Kubernetes on its own");
                return true;

            case RecoveryAction.WriteKubeconfig write:
                workspace.PreparePrivateFile(write.Path); // private before talosctl writes credentials into it
                await Tool(write.Node, () => talos.KubeconfigAsync(write.Node.Ip, cluster.Talosconfig, write.Path, cancel),
                    $"check the talosconfig and {write.Node.Hostname}'s apid");
                console.Say($"wrote {write.Path} (0600) from {write.Node}");
                return true;

            case RecoveryAction.Reconcile reconcile:
                var result = await flux.ReconcileAsync(reconcile.Kind, reconcile.Namespace, reconcile.Name, kubeconfig, cancel);
                if (result.ExitCode == 0)
                {
                    console.Say($"{reconcile.Kind} {reconcile.Namespace}/{reconcile.Name}: reconciled");
                    return true;
                }
                console.Say($"{reconcile.Kind} {reconcile.Namespace}/{reconcile.Name}: still failing:\n    {result.Tail(5).Replace("\n", "\n    ")}");
                return false;

            case RecoveryAction.RestoreEtcd restore:
                await RestoreEtcdAsync(restore, cancel);
                return true;

            default:
                throw new InvalidOperationException($"no runner for {action.GetType().Name}");
        }
    }

    /// <summary>
    /// Talos' disaster recovery: the freshest copy of etcd's data first (nothing is wiped without one), then every control
    /// plane's etcd data wiped (non-graceful: there is no quorum to leave), then — once etcd waits for a bootstrap on every
    /// one of them — a new etcd from the copy on the first; the others join it.
    /// </summary>
    private async Task RestoreEtcdAsync(RecoveryAction.RestoreEtcd restore, CancellationToken cancel)
    {
        var (copy, skipHashCheck) = await FreshestCopyAsync(restore, cancel);
        var wipe = new TalosReset(["EPHEMERAL"], Graceful: false);
        foreach (var node in restore.ControlPlanes)
        {
            console.Say($"wiping etcd data (EPHEMERAL) on {node} ...");
            var result = await talos.ResetAsync(node.Ip, cluster.Talosconfig, wipe, cancel);
            if (result.ExitCode != 0)
                throw new OperationFailedException($"wiping EPHEMERAL on {node} failed; the restore stopped there", node, result.CommandLine, result.Tail(),
                    $"look at {node.Hostname} (`talosctl -n {node.Ip} dmesg`); then rerun `homeops recover`. The copy to restore from is {copy}");
        }
        foreach (var node in restore.ControlPlanes) await WaitPreparingAsync(node, cancel);
        var first = restore.ControlPlanes[0];
        console.Say($"recovering etcd on {first} from {Path.GetFileName(copy)} ...");
        var recovered = await talos.RecoverEtcdAsync(first.Ip, cluster.Talosconfig, copy, skipHashCheck, cancel);
        if (recovered.ExitCode != 0)
            throw new OperationFailedException($"etcd recovery on {first} failed", first, recovered.CommandLine, recovered.Tail(),
                $"read docs/runbooks/recover.md (etcd section) and recover by hand from {copy}");
        var stuck = await Poll.UntilAsync(async c =>
        {
            var (health, members) = await cluster.HealthAsync(c);
            var sick = health.Where(h => h.Node.ControlPlane && !(h.EtcdMember && h.EtcdHealthy)).ToList();
            return members >= restore.ControlPlanes.Count && sick.Count == 0 ? null
                : $"{members} member(s) so far" + string.Concat(sick.Select(h => $"; {h.Node} {h.Problem ?? "not a member yet"}"));
        }, wait, clock, cancel);
        if (stuck is not null)
            throw new OperationFailedException($"etcd was recovered on {first} but the members did not all come back within {GoDuration.Format(wait.Timeout)}: {stuck}",
                first, recovered.CommandLine, null, "watch `talosctl -n " + first.Ip + " etcd members`; members join as their nodes finish booting");
        console.Say($"etcd restored from {Path.GetFileName(copy)}: {restore.ControlPlanes.Count} members healthy");
    }

    /// <summary>
    /// The copy that loses the least: a snapshot from a member whose etcd still answers (etcd serves snapshots without a
    /// leader), else a surviving member's database file (`talosctl cp`, restored with --recover-skip-hash-check), else the
    /// newest saved snapshot. Refused when there is none: nothing has been wiped yet.
    /// </summary>
    private async Task<(string Path, bool SkipHashCheck)> FreshestCopyAsync(RecoveryAction.RestoreEtcd restore, CancellationToken cancel)
    {
        var (health, _) = await cluster.HealthAsync(cancel);
        var answering = restore.ControlPlanes.Where(n => health.Any(h => h.Node.Ip == n.Ip && h.Etcd is { Answered: true })).ToList();
        var target = cluster.CheckSnapshotPath(null);
        foreach (var node in answering)
        {
            cluster.ClaimSnapshot(target);
            try
            {
                await talos.EtcdSnapshotAsync(node.Ip, cluster.Talosconfig, target, cancel);
                console.Say($"took a fresh snapshot from {node}: {Path.GetFileName(target)}");
                return (target, false);
            }
            catch (ToolFailedException e)
            {
                workspace.DeleteIfEmpty(target);
                console.Say($"no snapshot from {node}: {e.Result.Tail(1)}");
            }
        }
        foreach (var node in restore.ControlPlanes)
        {
            try
            {
                var copied = await talos.CopyEtcdDatabaseAsync(node.Ip, cluster.Talosconfig, Path.Combine(Path.GetDirectoryName(target)!, $"copy-{node.Hostname}"), cancel);
                var kept = Path.ChangeExtension(target, null) + $"-{node.Hostname}-db.db";
                workspace.Move(copied, kept);
                console.Say($"copied {ITalosctl.EtcdDatabase} off {node}: {Path.GetFileName(kept)} (restored with --recover-skip-hash-check)");
                return (kept, true);
            }
            catch (ToolFailedException e) { console.Say($"no database file on {node}: {e.Result.Tail(1)}"); }
        }
        if (restore.SavedSnapshot is { } saved)
        {
            console.Say($"no member's data could be copied; restoring the newest saved snapshot, {Path.GetFileName(saved)}");
            return (saved, false);
        }
        throw new OperationRefusedException("no copy of etcd's data could be taken from any control plane and .homeops/etcd/ holds no snapshot: " +
            "nothing was wiped. Put a snapshot (an off-site copy) into .homeops/etcd/ and rerun `homeops recover`");
    }

    /// <summary>After the wipe: the node answers with its config again and etcd waits (Preparing) for a bootstrap or a cluster to join.</summary>
    private async Task WaitPreparingAsync(NodeRef node, CancellationToken cancel)
    {
        await WaitConfiguredAsync(node, cancel);
        var stuck = await Poll.UntilAsync(async c =>
            await talos.EtcdRunningAsync(node.Ip, cluster.Talosconfig, c) ? "etcd still runs with its old data" : null, wait, clock, cancel);
        if (stuck is not null)
            throw new OperationFailedException($"{node}: {stuck} after the wipe; recovering now would split etcd in two", node, null, null,
                $"look at `talosctl -n {node.Ip} service etcd`; the EPHEMERAL wipe may not have happened");
    }

    private async Task WaitConfiguredAsync(NodeRef node, CancellationToken cancel)
    {
        var stuck = await Poll.UntilAsync(async c =>
        {
            var state = await talos.StateAsync(node.Ip, cluster.Talosconfig, c);
            return state == TalosNodeState.Configured ? null : $"it is {state.ToString().ToLowerInvariant()}";
        }, wait, clock, cancel);
        if (stuck is not null)
            throw new OperationFailedException($"{node} did not come back configured within {GoDuration.Format(wait.Timeout)}: {stuck}", node, null, null,
                $"look at {node.Hostname}'s console (`talosctl -n {node.Ip} dmesg` once it answers), then rerun `homeops recover`");
    }

    private static async Task Tool(NodeRef node, Func<Task> call, string next)
    {
        try { await call(); }
        catch (ToolFailedException e) { throw new OperationFailedException(e.Message, node, e.Result.CommandLine, e.Result.Tail(), next); }
    }
}
