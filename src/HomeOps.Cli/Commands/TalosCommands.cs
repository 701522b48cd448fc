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
        talos.Subcommands.Add(Schematic());
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
            Console.WriteLine($"wrote {path} (mode 0600); keep a copy outside this machine (e.g. in 1Password).");
            Console.WriteLine("Next: homeops talos schematic (registers the nodes' installer image), then homeops talos genconfig or homeops bootstrap --dry-run");
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

    private static Command Schematic()
    {
        var dryRun = CliOptions.DryRun("Send nothing to the factory; show the IDs computed locally (also HOMEOPS_OFFLINE=1)");
        var command = new Command("schematic", """
            Register every schematic of the cluster with the image factory (POST /schematics, as talhelper does when it is
            not offline), so the installer images the machine configs name exist before a node pulls them. Each node's
            installer schematic and its boot-media schematic (imageSchematic, else schematic) are sent once; the IDs the
            factory accepted are cached and not sent again. The ID homeops computes offline is the factory's own (sha256
            of the factory's YAML of the schematic); with --dry-run, offline or without network, that ID is shown and
            nothing is sent.
            Exit 1 when the factory refuses a schematic (for example an extension it does not know).
            """) { dryRun };
        command.SetAction(async (parse, cancel) =>
        {
            var plan = Composition.TalosPlan(parse);
            var isOffline = parse.GetValue(dryRun) || Environment.GetEnvironmentVariable("HOMEOPS_OFFLINE") == "1";
            using var http = isOffline ? null : new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var statuses = await SchematicRegistration.RegisterAsync(plan, Composition.ImageFactory(http), cancel);
            foreach (var s in statuses)
            {
                var what = s.Outcome switch
                {
                    FactoryOutcome.Registered when s.FactoryId != s.LocalId => $"registered ({s.Detail}); the factory's ID differs from the local {s.LocalId}",
                    FactoryOutcome.Registered => $"registered ({s.Detail})",
                    FactoryOutcome.Cached => $"registered ({s.Detail})",
                    FactoryOutcome.Offline => $"offline, using the local ID ({s.Detail}); run `homeops talos schematic` with network before a node installs it",
                    _ => $"REFUSED: {s.Detail}",
                };
                Console.WriteLine($"{s.Purpose,-10} {s.Id}  {string.Join(", ", s.Nodes)}");
                Console.WriteLine($"           {what}");
                Console.WriteLine($"           {s.Url}");
            }
            return statuses.Any(s => s.Outcome == FactoryOutcome.Refused) ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }
}
