using HomeOps.Operations.Maintenance;
using HomeOps.Operations.Status;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Recovery;

/// <summary>How much a step can hurt: read the instructions, run it after a yes, or run it only after the cluster name is typed.</summary>
public enum StepRisk { Manual, Safe, Destructive }

/// <summary>What homeops can run itself for a step; a manual step has none.</summary>
public abstract record RecoveryAction
{
    /// <summary>A node in maintenance mode gets its rendered config again (`talosctl apply-config --insecure`).</summary>
    public sealed record ApplyConfig(NodeRef Node, string ConfigFile) : RecoveryAction;

    /// <summary>A fresh admin kubeconfig from the Talos API (`talosctl kubeconfig`).</summary>
    public sealed record WriteKubeconfig(NodeRef Node, string Path) : RecoveryAction;

    /// <summary>`flux reconcile KIND NAME --with-source`.</summary>
    public sealed record Reconcile(string Kind, string Namespace, string Name) : RecoveryAction;

    /// <summary>
    /// etcd from the freshest copy: a live snapshot or a surviving member's db file, else <paramref name="SavedSnapshot"/>; then EPHEMERAL
    /// wiped on every control-plane node and `talosctl bootstrap --recover-from` on the first.
    /// </summary>
    public sealed record RestoreEtcd(IReadOnlyList<NodeRef> ControlPlanes, string? SavedSnapshot) : RecoveryAction;
}

/// <summary>One step: what to do and why, the exact command(s) (one per line), its risk, and the action homeops runs for it (null: manual).</summary>
public sealed record RecoveryStep(string What, string Command, StepRisk Risk, RecoveryAction? Action = null);

/// <summary>A situation found: what is wrong, the evidence, and the ordered steps out of it.</summary>
public sealed record Situation(string Id, string Summary, IReadOnlyList<string> Evidence, IReadOnlyList<RecoveryStep> Steps);

/// <summary>A snapshot file in .homeops/etcd/ and when it was written.</summary>
public sealed record SavedSnapshot(string Path, DateTimeOffset Taken);

/// <summary>What recover sees besides the status observation: how silent nodes answer, the latest snapshot, and which files exist.</summary>
public sealed record RecoveryFacts(
    IReadOnlyDictionary<string, TalosNodeState> SilentNodes,
    SavedSnapshot? LatestSnapshot,
    IReadOnlyDictionary<string, string> ConfigFiles,
    string Kubeconfig,
    bool KubeconfigExists,
    bool OwnKubeconfig);

/// <summary>
/// `homeops recover`'s diagnosis, pure: situations in the order they must be fixed — a node that is off or in
/// maintenance first (etcd and the API need it), then etcd quorum, then the API, then the CNI, then Flux — each with
/// its steps. Later situations are only raised when the reads they depend on answered.
/// </summary>
public static class RecoveryPlanner
{
    public static IReadOnlyList<Situation> Plan(StatusExpectation expected, ClusterObservation seen, RecoveryFacts facts, string talosconfig)
    {
        var situations = new List<Situation>();
        var talos = seen.Talos.Value;
        string Talosctl(NodeRef n, string rest) => $"talosctl --talosconfig {talosconfig} --nodes {n.Ip} {rest}";

        if (seen.Talos.Problem is { } talosProblem)
            situations.Add(new Situation("talos-unread", "the Talos API could not be asked: recover cannot see nodes or etcd", [talosProblem],
            [
                new("render the talosconfig (and machine configs) the cluster was built with; it needs the same talsecret.yaml", "homeops talos genconfig", StepRisk.Manual),
                new("then rerun `homeops recover`", "homeops recover", StepRisk.Manual),
            ]));

        foreach (var node in expected.Nodes)
        {
            if (!facts.SilentNodes.TryGetValue(node.Ip, out var state)) continue;
            if (state == TalosNodeState.Unreachable)
                situations.Add(new Situation($"node-down/{node.Hostname}", $"{node} does not answer on the Talos API (port 50000)",
                    [talos?.Nodes.FirstOrDefault(h => h.Node.Ip == node.Ip)?.Problem ?? "no answer"],
                    [
                        new($"check power and the network link of {node.Hostname} (VLAN 51, its switch port); its console shows Talos' dashboard", $"ping {node.Ip}", StepRisk.Manual),
                        new("once it answers, see why it went down", Talosctl(node, "dmesg"), StepRisk.Manual),
                        new("if it booted into maintenance mode, rerun `homeops recover`: it applies the config", "homeops recover", StepRisk.Manual),
                    ]));
            else if (state == TalosNodeState.Maintenance)
            {
                var file = facts.ConfigFiles.GetValueOrDefault(node.Hostname);
                situations.Add(new Situation($"maintenance/{node.Hostname}", $"{node} is in maintenance mode: it has no machine config (STATE was wiped or never applied)",
                    ["answers `talosctl get machinestatus --insecure`, refuses the talosconfig"],
                    file is null
                        ? [new("render the machine configs first", "homeops talos genconfig", StepRisk.Manual),
                           new("then rerun `homeops recover` to apply it", "homeops recover", StepRisk.Manual)]
                        : [new($"apply {node.Hostname}'s config; it installs, reboots and rejoins etcd", $"talosctl apply-config --insecure --nodes {node.Ip} --file {file}",
                            StepRisk.Safe, new RecoveryAction.ApplyConfig(node, file))]));
            }
        }

        if (talos is not null && talos.Nodes.Any(n => n.Answers))
        {
            var quorum = EtcdQuorum.Read(talos.Nodes, talos.EtcdMembers);
            var controlPlanes = expected.Nodes.Where(n => n.ControlPlane).ToList();
            var allAnswer = controlPlanes.All(n => talos.Nodes.Any(h => h.Node.Ip == n.Ip && h.Answers));
            var sick = talos.Nodes.Where(n => n.Node.ControlPlane && !(n.EtcdMember && n.EtcdHealthy))
                .Select(n => $"{n.Node}: {n.Problem ?? (n.Etcd is { } e ? e.Answered ? "etcd errors: " + string.Join(", ", e.Errors) : "etcd: " + e.Problem : "etcd not asked")}");
            if (quorum.State == QuorumState.Lost)
            {
                var evidence = sick.Prepend($"{quorum.Healthy} of {quorum.Voters} etcd members healthy; quorum needs {quorum.Needed}").ToList();
                var steps = new List<RecoveryStep>();
                if (!allAnswer)
                    steps.Add(new("bring every control-plane node back first (see above): the restore wipes etcd data on all of them", "homeops status", StepRisk.Manual));
                var saved = facts.LatestSnapshot is { } latest
                    ? $"else the newest saved snapshot, {Path.GetFileName(latest.Path)} (taken {Age(seen.At - latest.Taken)} ago)"
                    : "there is no saved snapshot in .homeops/etcd/ to fall back on";
                var commands = controlPlanes.Select(n => Talosctl(n, "reset --graceful=false --reboot --system-labels-to-wipe EPHEMERAL"))
                    .Append(Talosctl(controlPlanes[0], "bootstrap --recover-from .homeops/etcd/<the copy>"));
                steps.Add(new("restore etcd: first take the freshest copy of its data homeops can get — a snapshot from a member whose etcd still answers, " +
                    $"else the database file of a surviving member — {saved}; then wipe etcd's data (EPHEMERAL only; configs and the OS stay) on " +
                    $"{string.Join(", ", controlPlanes.Select(n => n.Hostname))}, wait until etcd waits for a bootstrap everywhere, and start a new etcd from the copy " +
                    $"on {controlPlanes[0].Hostname}; the others join as they come up. Writes made after the copy are lost",
                    string.Join('\n', commands), allAnswer ? StepRisk.Destructive : StepRisk.Manual,
                    allAnswer ? new RecoveryAction.RestoreEtcd(controlPlanes, facts.LatestSnapshot?.Path) : null));
                situations.Add(new Situation("etcd-quorum", "etcd has lost quorum: the Kubernetes API cannot write (or answer)", evidence, steps));
            }
            else if (quorum.State == QuorumState.Unknown)
                situations.Add(new Situation("etcd-unknown", "no etcd member answers: whether quorum is lost cannot be told from here", sick.ToList(),
                [
                    new("look at etcd on each control plane: `Preparing` means it waits to be bootstrapped or to join, `Running` with errors means it has no leader",
                        string.Join('\n', controlPlanes.Select(n => Talosctl(n, "service etcd")).Concat(controlPlanes.Select(n => Talosctl(n, "logs etcd --tail 50")))), StepRisk.Manual),
                    new("never bootstrapped: `homeops bootstrap --resume`; data lost on a majority: the etcd restore in docs/runbooks/recover.md", "homeops bootstrap --resume", StepRisk.Manual),
                ]));
        }

        var apiProblem = seen.Nodes.Problem;
        // the admin kubeconfig, the static pods and the API server's log all live on control planes
        if (apiProblem is not null && talos is not null
            && expected.Nodes.FirstOrDefault(n => n.ControlPlane && talos.Nodes.Any(h => h.Node.Ip == n.Ip && h.Healthy)) is { } source)
        {
            var steps = new List<RecoveryStep>();
            if (!facts.KubeconfigExists || facts.OwnKubeconfig)
                steps.Add(new("write a fresh admin kubeconfig from the Talos API (certificates may have rotated)", Talosctl(source, $"kubeconfig {facts.Kubeconfig} --force --merge=false"),
                    StepRisk.Safe, new RecoveryAction.WriteKubeconfig(source, facts.Kubeconfig)));
            steps.Add(new("check the control plane's static pods", Talosctl(source, "containers --kubernetes"), StepRisk.Manual));
            steps.Add(new("read the API server's log", Talosctl(source, "logs --kubernetes kube-apiserver"), StepRisk.Manual));
            situations.Add(new Situation("api-unreachable", "Talos is up but the Kubernetes API does not answer", [apiProblem], steps));
        }

        var cniEvidence = new List<string>();
        if (seen.Cilium.Value is { Ready: false } cilium) cniEvidence.AddRange(cilium.Problems.DefaultIfEmpty("cilium status: not ready"));
        foreach (var n in seen.Nodes.Value ?? [])
            if (!n.Ready && (n.ReadyMessage.Contains("cni", StringComparison.OrdinalIgnoreCase) || n.ReadyMessage.Contains("NetworkPlugin", StringComparison.OrdinalIgnoreCase)))
                cniEvidence.Add($"{n.Name}: {n.ReadyMessage}");
        if (cniEvidence.Count > 0)
            situations.Add(new Situation("cni-down", "the CNI (Cilium) is down: pods get no network and nodes stay NotReady", cniEvidence,
            [
                new("see which agents fail and why", "cilium status --wait=false", StepRisk.Manual),
                new("reinstall Cilium with the bootstrap values (idempotent helm upgrade --install)", "homeops bootstrap --only cilium --yes", StepRisk.Manual),
            ]));

        if (seen.Flux.Value is null && seen.Flux.Problem is null)
            situations.Add(new Situation("flux-missing", "Flux is not installed: nothing reconciles the cluster from Git", ["the API serves no Flux CRDs"],
                [new("install Flux and its sync from the repository", "homeops bootstrap --from flux --yes", StepRisk.Manual)]));
        else if (seen.Flux.Value is { } flux && flux.Where(o => !o.Ready && !o.Suspended).ToList() is { Count: > 0 } stalled)
            situations.Add(new Situation("flux-stalled", $"{stalled.Count} Flux object(s) not Ready",
                stalled.Select(o => $"{o.Kind} {o.Namespace}/{o.Name}: {o.Reason}: {o.Message}").ToList(),
                stalled.Select(o => new RecoveryStep($"reconcile {o.Kind} {o.Namespace}/{o.Name} now, fetching its source first",
                        $"flux reconcile {o.Kind.ToLowerInvariant()} {o.Name} --namespace {o.Namespace} --with-source", StepRisk.Safe,
                        new RecoveryAction.Reconcile(o.Kind, o.Namespace, o.Name)))
                    .Append(new RecoveryStep("if it still fails, the message above names the file or chart; fix it in Git (`homeops validate` first)", "homeops validate", StepRisk.Manual))
                    .ToList()));
        return situations;
    }

    private static string Age(TimeSpan age) => age.TotalDays >= 2 ? $"{age.TotalDays:0} days" : age.TotalHours >= 2 ? $"{age.TotalHours:0} hours" : $"{Math.Max(0, age.TotalMinutes):0} minutes";
}
