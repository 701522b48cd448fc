using System.CommandLine;
using HomeOps.Adapters.Files;
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
        var output = new Option<string>("--out", "-o") { Description = "Where to write the bundle (must not be tracked by Git)", DefaultValueFactory = _ => TalosWorkflow.DefaultSecretsPath };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing bundle (only when rebuilding the cluster from scratch)" };
        var command = new Command("gensecret", """
            Generate a Talos secrets bundle (same shape as `talosctl gen secrets`): cluster id and
            secret, bootstrap and trustd tokens, secretbox key, etcd/Kubernetes/aggregator CAs
            (ECDSA P-256), the OS CA (Ed25519) and the service-account key (RSA-4096).
            Written with mode 0600; refused when Git tracks the target. Keep it safe: losing it means
            the cluster can't be re-rendered, leaking it means anyone can administer the cluster.
            """) { output, force };
        command.SetAction(parse =>
        {
            var workflow = Workflow(parse, null);
            var path = parse.GetValue(output)!;
            workflow.GenerateSecrets(path, parse.GetValue(force));
            Console.WriteLine($"wrote {path} (mode 0600). Next: homeops talos genconfig");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command GenConfig()
    {
        var config = new Option<string>("--config", "-c") { Description = "The talconfig.yaml to read", DefaultValueFactory = _ => RepoFiles.TalConfig };
        var secrets = new Option<string>("--secrets", "-s") { Description = "The secrets bundle from `homeops talos gensecret`", DefaultValueFactory = _ => TalosWorkflow.DefaultSecretsPath };
        var schemaLocation = CommonOptions.SchemaLocation();
        var command = new Command("genconfig", """
            Render talos/clusterconfig/<cluster>-<host>.yaml for every node plus talosconfig.
            Order: talosctl's defaults for the Talos version → talconfig node settings → patches
            (controlPlane:/worker: group, then node, then top-level, as talhelper does) → extra
            documents (UserVolumeConfig, ExtensionServiceConfig). Every document is checked against
            the official Talos schema. Nothing is written if anything fails.
            """) { config, secrets, schemaLocation };
        command.SetAction(parse =>
        {
            var workflow = Workflow(parse, parse.GetValue(schemaLocation));
            var findings = new FindingBag();
            var plan = workflow.Plan(parse.GetValue(config)!, Environment.GetEnvironmentVariables(), findings);
            var render = workflow.Render(plan, workflow.ReadSecrets(parse.GetValue(secrets)!), findings);
            var found = findings.Sorted();
            FindingPrinter.Print(found, Console.Error);
            if (findings.HasErrors)
            {
                Console.Error.WriteLine($"genconfig: {FindingPrinter.Count(found)}; nothing written");
                return ExitCodes.Findings;
            }
            workflow.Write(render);
            foreach (var node in render.Nodes) Console.WriteLine($"wrote {node.Path}");
            Console.WriteLine($"wrote {render.TalosconfigPath}");
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static TalosWorkflow Workflow(ParseResult parse, string[]? schemaLocations) =>
        new(new DiskSourceTree(parse.GetValue(CommonOptions.Repo)!), CommonOptions.Workspace(parse), CommonOptions.Schemas(schemaLocations), TimeProvider.System);
}
