using System.CommandLine;
using HomeOps.Adapters.Cluster;
using HomeOps.Adapters.Files;
using HomeOps.Adapters.Tools;
using HomeOps.Cli.Output;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Operations.Maintenance;
using HomeOps.Operations.Status;
using Spectre.Console;

namespace HomeOps.Cli.Commands;

public static class StatusCommand
{
    public static Command Create()
    {
        var kubeconfig = CommonOptions.Kubeconfig();
        var format = new Option<string>("--format", "-o") { Description = "text (one screen) or json (schema homeops.status/v1, docs/status.md)", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("status", """
            The running cluster on one screen, judged against the repository: nodes (Ready, Talos and
            Kubernetes versions against talconfig.yaml, roles), etcd members and quorum, Flux
            Kustomizations/HelmReleases not Ready, Cilium, BGP sessions and advertised routes per node
            (CiliumBGPNodeConfig status against the plan `homeops bgp lab` uses), LB pool usage, Longhorn
            volumes (degraded/faulted) and disk space per node, certificates expiring within 14 days.
            Talos is read with talosctl (talos/clusterconfig/talosconfig), the rest through the Kubernetes API;
            a source that does not answer is reported red, the others are still shown.
            ok/WARN/FAIL = green/yellow/red. Exit 0 all green, 1 anything yellow or red, 2 bad input.
            """) { kubeconfig, format };
        command.SetAction(parse =>
        {
            var root = Path.GetFullPath(parse.GetValue(CommonOptions.Repo)!);
            var workflow = TalosCommands.Workflow(parse, null);
            var talosPlan = workflow.Plan(RepoFiles.TalConfig, Environment.GetEnvironmentVariables(), new FindingBag());
            var config = CommonOptions.KubeconfigPath(parse, kubeconfig);
            var runner = CommonOptions.Runner();
            var talos = TalosHealth.For(new Talosctl(runner), talosPlan, root);
            var (expected, collector) = Observe(parse, talosPlan, talos, config, runner);
            var report = StatusEvaluator.Evaluate(expected, collector.CollectAsync(CancellationToken.None).GetAwaiter().GetResult());
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
    internal static (StatusExpectation Expected, StatusCollector Collector) Observe(ParseResult parse, TalosPlan talosPlan, TalosHealth talos,
        string kubeconfig, ToolRunner runner)
    {
        var workspace = CommonOptions.Workspace(parse);
        var repo = new DiskRepository(new GitCli()).Load(workspace.Root, Environment.GetEnvironmentVariables());
        return (StatusExpectation.From(talosPlan, repo), new StatusCollector(talos,
            () => new KubernetesClusterReaderFactory().Connect(kubeconfig), new Cilium(runner), workspace, kubeconfig, TimeProvider.System));
    }
}
