using HomeOps.Core.Compile.TalConfig;
using System.CommandLine;
using System.Diagnostics;
using HomeOps.Cli.Output;
using HomeOps.Core.Compile.Secrets;
using HomeOps.Core.Diagnostics;

namespace HomeOps.Cli.Commands;

/// <summary>The main job: everything that can be checked offline, with throwaway secrets that never touch disk.</summary>
public static class CheckCommand
{
    public static Command Create()
    {
        var schemaLocation = CommonOptions.SchemaLocation();
        var command = new Command("check", """
            Offline check of the whole repository, safe to run anywhere: generates a throwaway
            secrets bundle in memory, renders every node's Talos config, validates it against the
            Talos schema and the semantic rules, and prints a summary. Writes nothing.
            Exit 0 when clean, 1 on errors, 2 on usage or internal failure.
            """) { schemaLocation };
        command.SetAction(parse =>
        {
            var clock = Stopwatch.StartNew();
            var workflow = TalosCommands.Workflow(parse, parse.GetValue(schemaLocation));
            var diagnostics = new DiagnosticBag();
            var plan = workflow.Plan(TalConfigLoader.DefaultPath, Environment.GetEnvironmentVariables(), diagnostics);
            var render = workflow.Render(plan, SecretsBundle.Generate(DateTimeOffset.UtcNow), diagnostics);
            var found = diagnostics.Sorted();
            DiagnosticPrinter.Print(found, Console.Error);

            Console.WriteLine($"cluster    {plan.Config.ClusterName}  endpoint {plan.Config.Endpoint}");
            Console.WriteLine($"versions   Talos {plan.Talos}  Kubernetes {plan.Kubernetes}");
            foreach (var node in render.Nodes)
                Console.WriteLine($"node       {node.Node.Hostname,-10} {node.Node.Node.IpAddress,-15} {(node.Node.ControlPlane ? "control-plane" : "worker"),-13} {node.Documents.Count} documents");
            foreach (var image in render.Nodes.Select(n => n.InstallerImage).Distinct())
                Console.WriteLine($"installer  {image}");
            Console.WriteLine($"checks     talconfig, patches, Talos {plan.Talos.Line} schema, network: {DiagnosticPrinter.Count(found)}");
            Console.WriteLine($"result     {(diagnostics.HasErrors ? "FAILED" : "ok")} in {clock.ElapsedMilliseconds} ms");
            return diagnostics.HasErrors ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }
}
