using System.CommandLine;
using HomeOps.Adapters.Cluster;
using HomeOps.Adapters.Tools;
using HomeOps.Cli.Output;
using HomeOps.Compile.Talos;
using HomeOps.Operations.Maintenance;
using HomeOps.Operations.Status;
using Spectre.Console;

namespace HomeOps.Cli.Commands;

public static class StatusCommand
{
    public static Command Create()
    {
        var format = CliOptions.Format("text: one screen; json: schema homeops.status/v1 (docs/status.md)", "text", "json");
        var command = new Command("status", """
            The running cluster on one screen, judged against the repository: nodes (Ready, Talos and
            Kubernetes versions against talconfig.yaml, roles), etcd members and quorum, Flux
            Kustomizations/HelmReleases not Ready, Cilium, BGP sessions and advertised routes per node
            (CiliumBGPNodeConfig status against the plan `homeops bgp lab` uses), LB pool usage, Longhorn
            volumes (degraded/faulted) and disk space per node, certificates expiring within 14 days.
            Talos is read with talosctl (talos/clusterconfig/talosconfig), the rest through the Kubernetes API;
            a source that does not answer is reported red, the others are still shown.
            ok/WARN/FAIL = green/yellow/red. Exit 0 all green, 1 anything yellow or red, 2 bad input.
            """) { format };
        command.SetAction(async (parse, cancel) =>
        {
            var talosPlan = Composition.TalosPlan(parse);
            var runner = Composition.Runner();
            var talos = TalosHealth.For(new Talosctl(runner), talosPlan, Composition.Root(parse));
            var (expected, collector) = Observe(parse, talosPlan, talos, runner);
            var report = StatusEvaluator.Evaluate(expected, await collector.CollectAsync(cancel));
            if (parse.GetValue(format) == "json") Console.WriteLine(StatusOutput.ToJson(report));
            else
            {
                var console = AnsiConsole.Console;
                if (Console.IsOutputRedirected) console.Profile.Width = 1000; // piped into grep or a file: one check per line, never wrapped
                StatusOutput.Print(report, console);
            }
            return report.Health == Health.Green ? ExitCodes.Ok : ExitCodes.Findings;
        });
        return command;
    }

    /// <summary>What the repository expects and a collector reading the live cluster: shared by status and recover.</summary>
    internal static (StatusExpectation Expected, StatusCollector Collector) Observe(ParseResult parse, TalosPlan talosPlan, TalosHealth talos, ToolRunner runner)
    {
        var workspace = Composition.Workspace(parse);
        var kubeconfig = Composition.KubeconfigPath(parse);
        var repo = Composition.LoadRepository(workspace.Root);
        return (StatusExpectation.From(talosPlan, repo), new StatusCollector(talos,
            () => new KubernetesClusterReaderFactory().Connect(kubeconfig), new Cilium(runner), workspace, kubeconfig, TimeProvider.System));
    }
}
