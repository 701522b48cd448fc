using System.CommandLine;
using HomeOps.Adapters.Cluster;
using HomeOps.Adapters.Tools;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Operations.Maintenance;
using HomeOps.Operations.Observe;
using HomeOps.Operations.Recovery;
using HomeOps.Operations.Tools;

namespace HomeOps.Cli.Commands;

/// <summary>Day-2 operations: reset, etcd snapshot, upgrade talos|kubernetes. The logic is in Core (Orchestrate/Operations).</summary>
public static class OperationsCommands
{
    public static Command Reset()
    {
        var node = new Option<string>("--node", "-n") { Description = "The node to reset (hostname or IP from talconfig.yaml)" };
        var all = new Option<bool>("--all") { Description = "Reset every node, one after another (asks you to type the cluster name)" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (the cluster name is still required with --all)" };
        var command = new Command("reset", """
            Safe reset: `talosctl reset --graceful=true --reboot --system-labels-to-wipe STATE --system-labels-to-wipe EPHEMERAL`.
            Wipes only the node's config (STATE) and data (EPHEMERAL) partitions and reboots it into maintenance
            mode; the installed OS and user disks (the Longhorn SSD) are never touched.
            Guardrails: an etcd snapshot first (.homeops/etcd/); refused when taking the node down would lose
            etcd quorum (e.g. a second node while one is down or not ready); --all needs the cluster name typed;
            one node at a time; prints the plan and asks unless --yes. See docs/runbooks/reset.md.
            Exit 0 done, 1 refused or failed (the message says what to do next), 2 bad input (nothing changed).
            """) { node, all, yes };
        command.SetAction(parse => Run(parse, (ops, cancel) => ops.ResetAsync(parse.GetValue(node), parse.GetValue(all), parse.GetValue(yes), cancel)));
        return command;
    }

    public static Command Recover()
    {
        var kubeconfig = CommonOptions.Kubeconfig();
        var yes = new Option<bool>("--yes", "-y") { Description = "Run the safe steps without asking (the etcd restore still needs the cluster name typed)" };
        var planOnly = new Option<bool>("--plan") { Description = "Only detect and print the steps; run nothing" };
        var timeout = new Option<string>("--timeout") { Description = "How long to wait for a node or etcd to come back after a step (Go duration)", DefaultValueFactory = _ => "15m" };
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
            """) { kubeconfig, yes, planOnly, timeout };
        command.SetAction(parse =>
        {
            if (!GoDuration.TryParse(parse.GetValue(timeout), out var limit) || limit <= TimeSpan.Zero)
            {
                Console.Error.WriteLine($"homeops: --timeout '{parse.GetValue(timeout)}' is not a duration (e.g. 15m, 90s); nothing was changed");
                return ExitCodes.Failure;
            }
            var wait = new WaitSettings(limit, TimeSpan.FromSeconds(5));
            return Run(parse, async (ops, talosPlan, cancel) =>
            {
                var root = Path.GetFullPath(parse.GetValue(CommonOptions.Repo)!);
                var config = CommonOptions.KubeconfigPath(parse, kubeconfig);
                var runner = CommonOptions.Runner();
                var talosctl = new Talosctl(runner);
                var (expected, collector) = StatusCommand.Observe(parse, talosPlan, ops.Health, config, runner);
                var (seen, facts) = await new RecoveryDetector(collector, talosctl, ops, talosPlan, CommonOptions.Workspace(parse), config).DetectAsync(cancel);
                var situations = RecoveryPlanner.Plan(expected, seen, facts, Path.GetRelativePath(root, ops.Talosconfig));
                var recovery = new RecoveryRunner(talosctl, new Flux(runner), ops, CommonOptions.Workspace(parse), new Output.TerminalConsole(), talosPlan.Config.ClusterName, config, TimeProvider.System, wait);
                return await recovery.RunAsync(situations, parse.GetValue(yes), parse.GetValue(planOnly), cancel) ? ExitCodes.Ok : ExitCodes.Findings;
            }, wait);
        });
        return command;
    }

    public static Command Etcd()
    {
        var output = new Option<string>("--out", "-o") { Description = "Where to write the snapshot (default .homeops/etcd/CLUSTER-TIME.db; must not be tracked by Git)" };
        var snapshot = new Command("snapshot", """
            `talosctl etcd snapshot` from a healthy control-plane node into a 0600 file. Refused when Git tracks
            the target (a snapshot holds every Secret of the cluster) or the file exists. Restore: docs/runbooks/etcd.md.
            """) { output };
        snapshot.SetAction(parse => Run(parse, async (ops, cancel) => { await ops.EtcdSnapshotAsync(parse.GetValue(output), cancel); }));
        var etcd = new Command("etcd", "etcd of the running cluster (through the Talos API).");
        etcd.Subcommands.Add(snapshot);
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
            node that rebooted; the wait covers that, up to --node-timeout). Stops at the first failure with the
            node, the command, its output and the next step; nodes already at VERSION are skipped on a rerun.
            talosVersion in talconfig.yaml is updated only when every node succeeded.
            Exit 0 done, 1 refused, unreachable or failed (the message says what to do next), 2 bad input (nothing changed).
            """) { version };
        return WithUpgradeOptions(talos, (ops, parse, yes, cancel) => ops.UpgradeTalosAsync(parse.GetValue(version)!, yes, cancel));
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
            skips), `upgrade-k8s --dry-run`, the real run, then a wait (--node-timeout) until every Node is Ready
            with its kubelet at VERSION, etcd is healthy and no Longhorn volume that was healthy is degraded.
            kubernetesVersion in talconfig.yaml is updated only then. A failed run can be rerun: upgrade-k8s
            resumes from the lowest version it finds.
            Exit 0 done, 1 refused, unreachable or failed (the message says what to do next), 2 bad input (nothing changed).
            """) { version };
        return WithUpgradeOptions(kubernetes, (ops, parse, yes, cancel) => ops.UpgradeKubernetesAsync(parse.GetValue(version)!, yes, cancel));
    }

    /// <summary>--yes, --node-timeout and --kubeconfig, shared by both upgrades; the operation gets the Kubernetes API through the kubeconfig.</summary>
    private static Command WithUpgradeOptions(Command command, Func<ClusterOperations, ParseResult, bool, CancellationToken, Task> operation)
    {
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (required when not on a terminal)" };
        var timeout = new Option<string>("--node-timeout") { Description = "How long the cluster may take to settle after each step (Go duration: 15m, 90s)", DefaultValueFactory = _ => "15m" };
        var kubeconfig = CommonOptions.Kubeconfig();
        command.Options.Add(yes);
        command.Options.Add(timeout);
        command.Options.Add(kubeconfig);
        command.SetAction(parse =>
        {
            if (!GoDuration.TryParse(parse.GetValue(timeout), out var nodeTimeout) || nodeTimeout <= TimeSpan.Zero)
            {
                Console.Error.WriteLine($"homeops: --node-timeout '{parse.GetValue(timeout)}' is not a duration (e.g. 15m, 90s); nothing was changed");
                return ExitCodes.Failure;
            }
            var kubeconfigPath = CommonOptions.KubeconfigPath(parse, kubeconfig);
            return Run(parse, (ops, cancel) => operation(ops, parse, parse.GetValue(yes), cancel),
                new WaitSettings(nodeTimeout, TimeSpan.FromSeconds(5)), () => new KubernetesClusterReaderFactory().Connect(kubeconfigPath));
        });
        return command;
    }

    private static int Run(ParseResult parse, Func<ClusterOperations, CancellationToken, Task> operation, WaitSettings? wait = null,
        Func<IClusterReader>? connectCluster = null) =>
        Run(parse, async (ops, _, cancel) => { await operation(ops, cancel); return ExitCodes.Ok; }, wait, connectCluster);

    /// <summary>Builds the operations from talconfig.yaml, runs <paramref name="operation"/> (its exit code), and turns every refusal or failure into its message and exit code.</summary>
    private static int Run(ParseResult parse, Func<ClusterOperations, TalosPlan, CancellationToken, Task<int>> operation, WaitSettings? wait = null,
        Func<IClusterReader>? connectCluster = null)
    {
        var root = Path.GetFullPath(parse.GetValue(CommonOptions.Repo)!);
        var workflow = TalosCommands.Workflow(parse, null);
        var talosPlan = workflow.Plan(RepoFiles.TalConfig, Environment.GetEnvironmentVariables(), new FindingBag());
        var runner = CommonOptions.Runner();
        var ops = new ClusterOperations(new Talosctl(runner), talosPlan, CommonOptions.Workspace(parse), new Output.TerminalConsole(), TimeProvider.System, wait, connectCluster);
        using var interrupt = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; interrupt.Cancel(); };
        try
        {
            return operation(ops, talosPlan, interrupt.Token).GetAwaiter().GetResult();
        }
        catch (OperationInputException e)
        {
            Console.Error.WriteLine($"homeops: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (OperationRefusedException e)
        {
            Console.Error.WriteLine($"homeops: {e.Message}");
            return ExitCodes.Findings;
        }
        catch (OperationFailedException e)
        {
            Console.Error.WriteLine($"homeops: {e.Message}");
            if (e.Node is not null) Console.Error.WriteLine($"  node:    {e.Node}");
            if (e.Command is not null) Console.Error.WriteLine($"  command: {e.Command}");
            if (e.OutputTail is { Length: > 0 } tail) Console.Error.WriteLine($"  output:\n    {tail.Replace("\n", "\n    ")}");
            Console.Error.WriteLine($"  next:    {e.NextStep}");
            return ExitCodes.Findings;
        }
        catch (ClusterUnreachableException e)
        {
            Console.Error.WriteLine($"homeops: {e.Message}; nothing was changed");
            return ExitCodes.Findings;
        }
        catch (ToolFailedException e)
        {
            Console.Error.WriteLine($"homeops: {e.Message}");
            return ExitCodes.Findings;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("homeops: interrupted; check the cluster with `talosctl health` before going on");
            return ExitCodes.Findings;
        }
    }
}
