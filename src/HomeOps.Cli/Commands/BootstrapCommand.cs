using System.CommandLine;
using HomeOps.Adapters.Cluster;
using HomeOps.Adapters.Files;
using HomeOps.Adapters.Tools;
using HomeOps.Cli.Output;
using HomeOps.Compile.Bootstrap;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Model.Bootstrap;
using HomeOps.Model.Repository;
using HomeOps.Operations.Bootstrap;
using HomeOps.Operations.Bootstrap.Phases;
using HomeOps.Operations.Maintenance;
using HomeOps.Validate.Engine;

namespace HomeOps.Cli.Commands;

public static class BootstrapCommand
{
    public static Command Create()
    {
        var dryRun = CliOptions.DryRun("Print every phase and the exact commands (secrets redacted); touch nothing");
        var resume = new Option<bool>("--resume") { Description = "Continue from the first phase not completed (re-checking the last completed one)" };
        var from = new Option<string>("--from") { Description = "Start at this phase" };
        var only = new Option<string>("--only") { Description = "Run just this phase" };
        var yes = CliOptions.Yes();
        var schemaLocation = CliOptions.SchemaLocation();
        var command = new Command("bootstrap", $"""
            Bare Talos nodes to a Flux-reconciled cluster, in phases, driven by bootstrap-config.yaml:
              {string.Join(" → ", BootstrapPlan.PhaseOrder)}
            Every phase checks first whether the cluster already is as it would leave it and skips
            itself if so; state is saved after every step ({new StateSettings().File}), so a run that
            dies anywhere continues with --resume. Events go to {new StateSettings().Log} (JSON lines).
            Exit 0 when done, 1 when a phase failed (the message says what to run next), 2 on usage errors.
            """) { dryRun, resume, from, only, yes, schemaLocation };
        command.SetAction((parse, cancel) => RunAsync(parse, parse.GetValue(dryRun), new BootstrapOptions(parse.GetValue(resume), parse.GetValue(from), parse.GetValue(only)),
            parse.GetValue(yes), parse.GetValue(schemaLocation), cancel));
        return command.WhenInterrupted("the state is saved: `homeops bootstrap --resume` continues");
    }

    private static async Task<int> RunAsync(ParseResult parse, bool dryRun, BootstrapOptions options, bool yes, string[]? schemaLocations, CancellationToken cancel)
    {
        var root = Composition.ExistingRoot(parse);
        var findings = new FindingBag();
        var plan = BootstrapPlan.Load(new DiskSourceTree(root), findings);
        if (plan is null) throw new HomeOpsException(findings.Sorted());
        var workflow = Composition.Talos(parse, schemaLocations);
        var talos = workflow.Plan(RepoFiles.TalConfig, Environment.GetEnvironmentVariables(), findings);
        var repo = Composition.LoadRepository(root);
        var validator = new Validator(RuleCatalog.All());
        var validation = validator.Run(repo, validator.Select([], []), Composition.Schemas(schemaLocations), TimeSpan.Zero).Findings;
        var runner = Composition.Runner();
        var tools = new BootstrapTools(new Talosctl(runner), new Kubectl(runner), new Helm(runner), new Flux(runner), new Cilium(runner), new OnePassword(runner));
        // state and log live only in the repository's ignored .homeops/ (bootstrap-config.yaml cannot point them elsewhere)
        var disk = new DiskWorkspace(root, new GitCli());
        var state = new StateFile(disk.RuntimeFile(plan.Config.State.File, At(plan.Config.State, "file")));
        var logPath = disk.RuntimeFile(plan.Config.State.Log, At(plan.Config.State, "log"));
        var engine = new BootstrapEngine(BootstrapPhases.All(), state);
        var live = !Console.IsOutputRedirected && !dryRun;
        var progress = new BootstrapProgress(live);
        var runId = $"{DateTime.UtcNow:yyyyMMddTHHmmssZ}-{Environment.ProcessId}";
        var workspace = Composition.Workspace(parse);

        if (dryRun)
        {
            var context = new BootstrapContext(plan, talos, repo, tools, new KubernetesClusterApiFactory(), workflow, workspace, progress, TimeProvider.System, runId) { Validation = validation };
            PrintPlan(engine.Select(options, state.Load()), context);
            return ExitCodes.Ok;
        }
        if (!yes) Confirm(talos);
        using var runLock = workspace.LockCluster("bootstrap");
        using var log = new EventLogFile(logPath);
        var runContext = new BootstrapContext(plan, talos, repo, tools, new KubernetesClusterApiFactory(), workflow, workspace,
            new EventFanOut(log, progress), TimeProvider.System, runId)
        { Validation = validation };
        await progress.RunAsync(() => engine.RunAsync(runContext, options, cancel));
        return ExitCodes.Ok;
    }

    private static SourceLocation At(StateSettings state, string key) =>
        state.LocationOf(key) is { File: not null } at ? at : SourceLocation.InFile(RepoFiles.BootstrapConfig);

    private static void Confirm(TalosPlan talos)
    {
        if (Console.IsInputRedirected)
            throw new UsageException("bootstrap changes real machines; pass --yes to run it without a terminal (see --dry-run first)");
        Console.Write($"Bootstrap cluster {talos.Config.ClusterName} on {string.Join(", ", talos.Nodes.Select(n => $"{n.Hostname} ({n.Node.IpAddress})"))}? [y/N] ");
        if (Console.ReadLine()?.Trim().ToLowerInvariant() is not ("y" or "yes"))
            throw new OperationRefusedException("not confirmed; nothing was changed");
    }

    private static void PrintPlan(IReadOnlyList<IPhase> phases, BootstrapContext context)
    {
        Console.WriteLine($"bootstrap plan for {context.Talos.Config.ClusterName} (dry run: nothing is changed)");
        var index = 0;
        foreach (var phase in phases)
        {
            var settings = context.Plan.Phase(phase.Name);
            Console.WriteLine($"{++index,2}. {phase.Name}  (timeout {GoDuration.Format(settings.Timeout)}, {settings.Retries} attempts; skipped when already done)");
            foreach (var line in phase.Describe(context)) Console.WriteLine($"      {line}");
        }
        var errors = context.Validation.Count(d => d.Severity == Severity.Error);
        if (errors > 0) Console.WriteLine($"note: `homeops validate` reports {errors} error(s); preflight will stop there");
    }
}
