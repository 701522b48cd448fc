using System.CommandLine;
using HomeOps.Cli.Output;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Operations.Talos;

namespace HomeOps.Cli.Commands;

public static class TalosCommands
{
    public static Command Create()
    {
        var talos = new Command("talos", "The Talos config compiler: talconfig.yaml (talhelper format) → machine configs.");
        talos.Subcommands.Add(GenSecret());
        talos.Subcommands.Add(GenConfig());
        return talos;
    }

    private static Command GenSecret()
    {
        var output = CliOptions.Out($"Where to write the bundle (must not be tracked by Git; default {TalosWorkflow.DefaultSecretsPath})");
        var force = new Option<bool>("--force") { Description = "Overwrite an existing bundle (only when rebuilding the cluster from scratch)" };
        var dryRun = CliOptions.DryRun("Check the target (not tracked by Git, not existing) and write nothing");
        var command = new Command("gensecret", """
            Generate a Talos secrets bundle (same shape as `talosctl gen secrets`): cluster id and
            secret, bootstrap and trustd tokens, secretbox key, etcd/Kubernetes/aggregator CAs
            (ECDSA P-256), the OS CA (Ed25519) and the service-account key (RSA-4096).
            Written with mode 0600; refused when Git tracks the target. Keep it safe: losing it means
            the cluster can't be re-rendered, leaking it means anyone can administer the cluster.
            """) { output, force, dryRun };
        command.SetAction((parse, cancel) =>
        {
            var workflow = Composition.Talos(parse);
            var path = parse.GetValue(output) ?? TalosWorkflow.DefaultSecretsPath;
            if (parse.GetValue(dryRun))
            {
                workflow.CheckSecretsTarget(path, parse.GetValue(force));
                Console.WriteLine($"dry run: would write {path} (mode 0600); nothing was written");
                return Task.FromResult(ExitCodes.Ok);
            }
            workflow.GenerateSecrets(path, parse.GetValue(force));
            Console.WriteLine($"wrote {path} (mode 0600). Next: homeops talos genconfig");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command GenConfig()
    {
        var config = new Option<string>("--config", "-c") { Description = "The talconfig.yaml to read", DefaultValueFactory = _ => RepoFiles.TalConfig };
        var secrets = new Option<string>("--secrets", "-s") { Description = "The secrets bundle from `homeops talos gensecret`", DefaultValueFactory = _ => TalosWorkflow.DefaultSecretsPath };
        var dryRun = CliOptions.DryRun("Render and check every node's config, list the files, write nothing");
        var schemaLocation = CliOptions.SchemaLocation();
        var command = new Command("genconfig", """
            Render talos/clusterconfig/<cluster>-<host>.yaml for every node plus talosconfig.
            Order: talosctl's defaults for the Talos version → talconfig node settings → patches
            (controlPlane:/worker: group, then node, then top-level, as talhelper does) → extra
            documents (UserVolumeConfig, ExtensionServiceConfig). Every document is checked against
            the official Talos schema. Nothing is written if anything fails.
            """) { config, secrets, dryRun, schemaLocation };
        command.SetAction((parse, cancel) =>
        {
            var workflow = Composition.Talos(parse, parse.GetValue(schemaLocation));
            var findings = new FindingBag();
            var plan = workflow.Plan(parse.GetValue(config)!, Environment.GetEnvironmentVariables(), findings);
            var render = workflow.Render(plan, workflow.ReadSecrets(parse.GetValue(secrets)!), findings);
            var found = findings.Sorted();
            FindingPrinter.Print(found, Console.Error);
            if (findings.HasErrors)
            {
                Console.Error.WriteLine($"genconfig: {FindingPrinter.Count(found)}; nothing written");
                return Task.FromResult(ExitCodes.Findings);
            }
            var verb = parse.GetValue(dryRun) ? "would write" : "wrote";
            if (!parse.GetValue(dryRun)) workflow.Write(render);
            foreach (var node in render.Nodes) Console.WriteLine($"{verb} {node.Path}");
            Console.WriteLine($"{verb} {render.TalosconfigPath}");
            if (parse.GetValue(dryRun)) Console.WriteLine("dry run: every config rendered and checked; nothing was written");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
