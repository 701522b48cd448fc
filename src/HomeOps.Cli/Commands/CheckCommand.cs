using System.CommandLine;
using System.Diagnostics;
using HomeOps.Adapters.Files;
using HomeOps.Cli.Output;
using HomeOps.Compile.Bootstrap;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Validate.Engine;

namespace HomeOps.Cli.Commands;

/// <summary>The main job: everything that can be checked offline, with throwaway secrets that never touch disk.</summary>
public static class CheckCommand
{
    public static Command Create()
    {
        var schemaLocation = CliOptions.SchemaLocation();
        var command = new Command("check", """
            Offline check of the whole repository, safe to run anywhere: plans the cluster from
            talconfig.yaml, renders every node's Talos config in memory with a throwaway secrets
            bundle, runs every `homeops validate` rule over talconfig.yaml, bootstrap-config.yaml and
            the GitOps tree, and prints the plan. Writes nothing.
            Exit 0 when clean, 1 on errors, 2 on usage or internal failure.
            """) { schemaLocation };
        command.SetAction((parse, cancel) => Task.FromResult(Run(Composition.ExistingRoot(parse), parse.GetValue(schemaLocation))));
        return command;
    }

    /// <summary>Checks the repository at <paramref name="root"/>, prints the summary, and returns the exit code.</summary>
    public static int Run(string root, string[]? schemaLocations)
    {
        var clock = Stopwatch.StartNew();
        // Planning first: a broken talconfig.yaml stops here with its own findings.
        var plan = Composition.Talos(root).Plan(RepoFiles.TalConfig, Environment.GetEnvironmentVariables(), new FindingBag());
        var validator = new Validator(RuleCatalog.All());
        var repo = Composition.LoadRepository(root);
        var report = validator.Run(repo, validator.Select([], []), Composition.Schemas(schemaLocations), clock.Elapsed, charts: Composition.Charts());
        FindingPrinter.Print(report.Findings, Console.Error);

        Console.WriteLine($"cluster    {plan.Config.ClusterName}  endpoint {plan.Config.Endpoint}");
        Console.WriteLine($"versions   Talos {plan.Talos}  Kubernetes {plan.Kubernetes}");
        foreach (var node in plan.Nodes)
            Console.WriteLine($"node       {node.Hostname,-10} {node.Node.IpAddress,-15} {(node.ControlPlane ? "control-plane" : "worker"),-13} {InstallerImage.For(plan.Config, node, plan.Talos)}");
        var bootstrapFindings = new FindingBag();
        var tree = new DiskSourceTree(root);
        var hasBootstrap = tree.Exists(RepoFiles.BootstrapConfig);
        var bootstrap = hasBootstrap ? BootstrapPlan.Load(tree, bootstrapFindings) : null;
        FindingPrinter.Print(bootstrapFindings.Sorted(), Console.Error);
        Console.WriteLine(!hasBootstrap ? "bootstrap  no bootstrap-config.yaml (`homeops bootstrap` needs one; see the reference repository)"
            : bootstrap is null
            ? "bootstrap  bootstrap-config.yaml is not usable (see above)"
            : $"bootstrap  {bootstrap.Phases.Count} phases: {string.Join(" → ", bootstrap.Phases.Select(p => p.Name))}; `homeops bootstrap --dry-run` lists every command");
        Console.WriteLine($"checks     {validator.Rules.Count} rules over {report.Files} files, {report.Documents} documents: {FindingPrinter.Count(report.Findings)}");
        Console.WriteLine($"result     {(report.Errors > 0 || bootstrapFindings.HasErrors ? "FAILED" : "ok")} in {clock.ElapsedMilliseconds} ms");
        return report.Errors > 0 || bootstrapFindings.HasErrors ? ExitCodes.Findings : ExitCodes.Ok;
    }
}
