using System.CommandLine;
using System.Diagnostics;
using HomeOps.Cli.Output;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Validate.Engine;
using HomeOps.Validate.Schema;

namespace HomeOps.Cli.Commands;

public static class ValidateCommand
{
    public static Command Create()
    {
        var path = new Argument<string?>("PATH") { Description = "Repository to check (default: the -C directory; a relative PATH is taken from it)", Arity = ArgumentArity.ZeroOrOne };
        var format = CliOptions.Format("How to print the findings: text for people, json for scripts, sarif for code scanning", "text", "json", "sarif");
        var rule = new Option<string[]>("--rule") { Description = "Run only these rules (repeatable; 'bgp/' selects a family)" };
        var skip = new Option<string[]>("--skip") { Description = "Skip these rules (repeatable; 'bgp/' skips a family)" };
        var timings = new Option<bool>("--timings") { Description = "Also print how long loading and each rule set took (to stderr)" };
        var schemaLocation = CliOptions.SchemaLocation();
        var kubernetesVersion = new Option<string>("--kubernetes-version")
        {
            Description = "The cluster's Kubernetes release, e.g. v1.36 (default: read from talconfig.yaml, a Talos machine config or template)",
        };
        var command = new Command("validate", """
            One offline check of the whole repository, across every layer: talconfig.yaml,
            bootstrap-config.yaml and every manifest, loaded once, checked by every rule in parallel
            (rule ids and fixes: docs/rules.md). If validate is green, the repository is safe to push.
            A directory with nothing homeops can check is bad input, never a green result.
            Exit 0 when no error, 1 when errors, 2 for usage or internal failure.
            """) { path, format, rule, skip, schemaLocation, kubernetesVersion, timings };
        command.SetAction((parse, cancel) =>
        {
            var clock = Stopwatch.StartNew();
            var validator = new Validator(RuleCatalog.All());
            var enabled = validator.Select(parse.GetValue(rule) ?? [], parse.GetValue(skip) ?? []);
            var settings = ValidationSettings.Default;
            if (parse.GetValue(kubernetesVersion) is { } requested)
            {
                var full = requested.Count(c => c == '.') == 1 ? requested + ".0" : requested;
                if (!ReleaseVersion.TryParse(full, out var release))
                    throw new UsageException($"--kubernetes-version '{requested}' is not a release like v1.36 or v1.36.3");
                settings = new ValidationSettings(release);
            }
            var root = Composition.ExistingRoot(parse, parse.GetValue(path));
            _ = Task.Run(SchemaCheck.WarmUp, cancel); // overlaps the schema library's start-up with reading the repository
            var repo = Composition.LoadRepository(root);
            if (repo.Talos is null && repo.BootstrapConfig is null && repo.Manifests.Count == 0 && repo.LoadFindings.Count == 0
                && !repo.Files.Any(f => Templates.IsTemplate(f.Path)))
                throw new UsageException($"nothing to validate in {root}: no talconfig.yaml, bootstrap-config.yaml, Kubernetes manifest or template; " +
                                         "run it in the repository root or pass -C DIR");
            var loadTime = clock.Elapsed;
            var report = validator.Run(repo, enabled, Composition.Schemas(parse.GetValue(schemaLocation)), loadTime, settings, Composition.Charts());
            if (parse.GetValue(timings))
            {
                Console.Error.WriteLine($"{"load",-24} {loadTime.TotalMilliseconds,8:F0} ms");
                foreach (var (set, time) in report.Timings.OrderByDescending(t => t.Value))
                    Console.Error.WriteLine($"{set,-24} {time.TotalMilliseconds,8:F0} ms");
            }
            switch (parse.GetValue(format))
            {
                case "json": Console.WriteLine(ValidationOutput.Serialize(ValidationOutput.Json(report))); break;
                case "sarif": Console.WriteLine(ValidationOutput.Serialize(ValidationOutput.Sarif(report, validator.Rules))); break;
                default: ValidationOutput.Text(report, Console.Out); break;
            }
            return Task.FromResult(report.Errors > 0 ? ExitCodes.Findings : ExitCodes.Ok);
        });
        return command;
    }
}
