using System.CommandLine;
using HomeOps.Adapters.Cluster;
using HomeOps.Adapters.Tools;
using HomeOps.Compile.Talos;
using HomeOps.Operations.Maintenance;
using HomeOps.Operations.Observe;
using HomeOps.Operations.Recovery;

namespace HomeOps.Cli.Commands;

/// <summary>Day-2 operations: reset, etcd snapshot, upgrade talos|kubernetes. The logic is in Core (Orchestrate/Operations).</summary>
public static class OperationsCommands
{
    private const string WhenInterrupted = "the step under way may have been cut short: check the cluster with `homeops status` (or `talosctl health`) before going on";

    public static Command Reset()
    {
        var node = new Option<string>("--node", "-n") { Description = "The node to reset (hostname or IP from talconfig.yaml)" };
        var all = new Option<bool>("--all") { Description = "Reset every node, one after another (asks you to type the cluster name, even with --yes)" };
        var yes = CliOptions.Yes("Do not ask for confirmation (the cluster name is still required with --all)");
        var dryRun = CliOptions.DryRun("Read the cluster, check the guardrails and print the plan; reset nothing");
        var command = new Command("reset", """
            Safe reset: `talosctl reset --graceful=true --reboot --system-labels-to-wipe STATE --system-labels-to-wipe EPHEMERAL`.
            Wipes only the node's config (STATE) and data (EPHEMERAL) partitions and reboots it into maintenance
            mode; the installed OS and user disks (the Longhorn SSD) are never touched.
            Guardrails: an etcd snapshot first (.homeops/etcd/); refused when taking the node down would lose
            etcd quorum (e.g. a second node while one is down or not ready); --all needs the cluster name typed
            after the plan is shown; one node at a time; prints the plan and asks unless --yes. See docs/runbooks/reset.md.
            Exit 0 done, 1 refused or failed (the message says what to do next), 2 bad input (nothing changed).
            """) { node, all, yes, dryRun };
        command.SetAction((parse, cancel) => RunAsync(parse, (ops, _, c) =>
            ops.ResetAsync(parse.GetValue(node), parse.GetValue(all), new Consent(parse.GetValue(yes), parse.GetValue(dryRun)), c), cancel,
            lockFor: parse.GetValue(dryRun) ? null : "reset"));
        return command.WhenInterrupted(WhenInterrupted);
    }

    public static Command Recover()
    {
        var yes = CliOptions.Yes("Run the safe steps without asking (the etcd restore still needs the cluster name typed)");
        var dryRun = new Option<bool>("--dry-run", "--plan") { Description = "Only detect and print the situations and their steps; run nothing" };
        var timeout = CliOptions.Timeout("15m", "How long to wait for a node or etcd to come back after a step");
        var command = new Command("recover", """
            Guided emergency recovery. Detects, in the order they must be fixed:
              a node that does not answer (power, network)      → the steps to check, by hand
              a node in maintenance mode (no config)            → apply its rendered config            (after a yes)
              etcd without quorum                               → restore from the newest .homeops/etcd/*.db: wipe
                                                                  EPHEMERAL on every control plane, then
                                                                  `talosctl bootstrap --recover-from` (after you type
                                                                  the cluster name; writes after the snapshot are lost)
              the Kubernetes API not answering while Talos is up → a fresh kubeconfig (after a yes), then where to look
              the CNI (Cilium) down                             → `homeops bootstrap --only cilium`, by hand
              Flux not installed, or objects not Ready          → `flux reconcile ... --with-source` (after a yes)
            Prints every situation with its evidence and the exact commands first. Rerun after each fix: it
            re-detects from scratch. See docs/runbooks/recover.md.
            Exit 0 nothing to recover (or every step ran), 1 steps left or refused or failed, 2 bad input.
            """) { yes, dryRun, timeout };
        command.SetAction((parse, cancel) =>
        {
            var wait = new WaitSettings(parse.GetValue(timeout), TimeSpan.FromSeconds(5));
            return RunAsync(parse, async (ops, talosPlan, c) =>
            {
                var config = Composition.KubeconfigPath(parse);
                var runner = Composition.Runner();
                var talosctl = new Talosctl(runner);
                var workspace = Composition.Workspace(parse);
                RequireThisCluster(parse, talosPlan, config);
                var (expected, collector) = StatusCommand.Observe(parse, talosPlan, ops.Health, runner);
                var (seen, facts) = await new RecoveryDetector(collector, talosctl, ops, talosPlan, workspace, config).DetectAsync(c);
                var situations = RecoveryPlanner.Plan(expected, seen, facts, Path.GetRelativePath(workspace.Root, ops.Talosconfig));
                var recovery = new RecoveryRunner(talosctl, new Flux(runner), ops, workspace, new Output.TerminalConsole(), talosPlan.Config.ClusterName, config, TimeProvider.System, wait);
                return await recovery.RunAsync(situations, new Consent(parse.GetValue(yes), parse.GetValue(dryRun)), c) ? ExitCodes.Ok : ExitCodes.Findings;
            }, cancel, wait, lockFor: parse.GetValue(dryRun) ? null : "recover");
        });
        return command.WhenInterrupted(WhenInterrupted);
    }

    public static Command Etcd()
    {
        var output = CliOptions.Out("Where to write the snapshot (default .homeops/etcd/CLUSTER-TIME.db; must not be tracked by Git)");
        var dryRun = CliOptions.DryRun("Check the target and find the member to read from; write nothing");
        var snapshot = new Command("snapshot", """
            `talosctl etcd snapshot` from a healthy control-plane node into a 0600 file. Refused when Git tracks
            the target (a snapshot holds every Secret of the cluster) or the file exists. Restore: docs/runbooks/etcd.md.
            """) { output, dryRun };
        snapshot.SetAction((parse, cancel) => RunAsync(parse, async (ops, _, c) => { await ops.EtcdSnapshotAsync(parse.GetValue(output), parse.GetValue(dryRun), c); }, cancel,
            lockFor: parse.GetValue(dryRun) ? null : "etcd snapshot"));
        var etcd = new Command("etcd", "etcd of the running cluster (through the Talos API).");
        etcd.Subcommands.Add(snapshot.WhenInterrupted("the snapshot file may be incomplete: delete it and take it again"));
        return etcd;
    }

    public static Command Upgrade()
    {
        var upgrade = new Command("upgrade", """
            Rolling upgrades of the running cluster: `upgrade talos VERSION`, then `upgrade kubernetes VERSION`.
            Both read the cluster through talosctl (every node ready, etcd healthy) and the Kubernetes API
            (--kubeconfig: every Node Ready, no Longhorn volume degraded or faulted) and refuse to start otherwise.
            See docs/runbooks/upgrade.md.
            """);
        upgrade.Subcommands.Add(UpgradeTalos());
        upgrade.Subcommands.Add(UpgradeKubernetes());
        return upgrade;
    }

    private static Command UpgradeTalos()
    {
        var version = new Argument<string>("VERSION") { Description = "The Talos release to upgrade to, e.g. v1.10.6 (one minor at most)" };
        var talos = new Command("talos", """
            Rolling Talos upgrade, one node at a time: etcd snapshot, then for each node
            `talosctl upgrade --image factory.talos.dev/metal-installer/<schematic>:VERSION --preserve` and a wait
            until it runs VERSION, every node is ready with etcd healthy, every Node is Ready in the Kubernetes API
            and no Longhorn volume that was healthy is degraded or faulted (Longhorn rebuilds the replicas of the
            node that rebooted; the wait covers that, up to --timeout). Stops at the first failure with the
            node, the command, its output and the next step; nodes already at VERSION are skipped on a rerun.
            talosVersion in talconfig.yaml is updated only when every node succeeded.
            Exit 0 done, 1 refused, unreachable or failed (the message says what to do next), 2 bad input (nothing changed).
            """) { version };
        return WithUpgradeOptions(talos, (ops, parse, consent, cancel) => ops.UpgradeTalosAsync(parse.GetValue(version)!, consent, cancel));
    }

    private static Command UpgradeKubernetes()
    {
        var version = new Argument<string>("VERSION") { Description = "The Kubernetes release to upgrade to, e.g. v1.32.4 or 1.32.4" };
        var kubernetes = new Command("kubernetes", """
            Kubernetes upgrade through `talosctl upgrade-k8s`, which walks kube-apiserver, kube-controller-manager
            and kube-scheduler on each control-plane node, kube-proxy, then each node's kubelet, one node at a time.
            VERSION must be newer than or equal to kubernetesVersion in talconfig.yaml, at most one minor ahead
            (v1.31 → v1.32.x) and supported by the cluster's Talos line (Talos v1.10: Kubernetes 1.28-1.33).
            Steps: refuse an unhealthy cluster (as `upgrade talos`), etcd snapshot, plan and question (--yes
            skips), `upgrade-k8s --dry-run`, the real run, then a wait (--timeout) until every Node is Ready
            with its kubelet at VERSION, etcd is healthy and no Longhorn volume that was healthy is degraded.
            kubernetesVersion in talconfig.yaml is updated only then. A failed run can be rerun: upgrade-k8s
            resumes from the lowest version it finds.
            Exit 0 done, 1 refused, unreachable or failed (the message says what to do next), 2 bad input (nothing changed).
            """) { version };
        return WithUpgradeOptions(kubernetes, (ops, parse, consent, cancel) => ops.UpgradeKubernetesAsync(parse.GetValue(version)!, consent, cancel));
    }

    /// <summary>--yes, --dry-run and --timeout, shared by both upgrades; the operation gets the Kubernetes API through the kubeconfig.</summary>
    private static Command WithUpgradeOptions(Command command, Func<ClusterOperations, ParseResult, Consent, CancellationToken, Task> operation)
    {
        var yes = CliOptions.Yes();
        var dryRun = CliOptions.DryRun("Check the version and the cluster's health and print the plan; change nothing");
        var timeout = CliOptions.Timeout("15m", "How long the cluster may take to settle after each step", "--node-timeout");
        command.Options.Add(yes);
        command.Options.Add(dryRun);
        command.Options.Add(timeout);
        command.SetAction((parse, cancel) =>
        {
            var kubeconfig = Composition.KubeconfigPath(parse);
            return RunAsync(parse, (ops, _, c) => operation(ops, parse, new Consent(parse.GetValue(yes), parse.GetValue(dryRun)), c), cancel,
                new WaitSettings(parse.GetValue(timeout), TimeSpan.FromSeconds(5)), () => new KubernetesClusterReaderFactory().Connect(kubeconfig),
                lockFor: parse.GetValue(dryRun) ? null : $"upgrade {command.Name}");
        });
        return command.WhenInterrupted(WhenInterrupted);
    }

    private static Task<int> RunAsync(ParseResult parse, Func<ClusterOperations, TalosPlan, CancellationToken, Task> operation, CancellationToken cancel,
        WaitSettings? wait = null, Func<IClusterReader>? connectCluster = null, string? lockFor = null) =>
        RunAsync(parse, async (ops, plan, c) => { await operation(ops, plan, c); return ExitCodes.Ok; }, cancel, wait, connectCluster, lockFor);

    /// <summary>
    /// Builds the operations from talconfig.yaml and runs <paramref name="operation"/>; refusals and failures become exit codes in
    /// <see cref="ExitCodes.Report"/>. An operation that changes the cluster (<paramref name="lockFor"/> names it) first takes the
    /// repository's cluster lock, the one bootstrap takes too, and holds it to the end: everything it reads, it reads under the lock.
    /// </summary>
    private static async Task<int> RunAsync(ParseResult parse, Func<ClusterOperations, TalosPlan, CancellationToken, Task<int>> operation, CancellationToken cancel,
        WaitSettings? wait = null, Func<IClusterReader>? connectCluster = null, string? lockFor = null)
    {
        var talosPlan = Composition.TalosPlan(parse);
        var workspace = Composition.Workspace(parse);
        using var held = lockFor is null ? null : workspace.LockCluster(lockFor);
        var ops = new ClusterOperations(new Talosctl(Composition.Runner()), talosPlan, workspace, new Output.TerminalConsole(), TimeProvider.System, wait, connectCluster,
            parse.GetValue(CliOptions.ApiServer), Composition.KubeconfigPath(parse));
        return await operation(ops, talosPlan, cancel);
    }

    /// <summary>
    /// recover acts through the kubeconfig (`flux reconcile`): when there is one, its server must be this cluster's. Without
    /// one (or an unusable one) recover writes a fresh kubeconfig from Talos, which is this cluster's by construction.
    /// </summary>
    private static void RequireThisCluster(ParseResult parse, TalosPlan plan, string kubeconfig)
    {
        if (!File.Exists(kubeconfig)) return;
        IClusterReader reader;
        try { reader = new KubernetesClusterReaderFactory().Connect(kubeconfig); }
        catch (ClusterUnreachableException) { return; }
        ClusterIdentity.Require(reader.Server, plan, parse.GetValue(CliOptions.ApiServer), kubeconfig);
    }
}
