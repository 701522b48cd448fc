using System.CommandLine;
using System.Diagnostics;
using HomeOps.Adapters.Files;
using HomeOps.Cli.Output;
using HomeOps.Model;
using HomeOps.Validate.Engine;
using HomeOps.Validate.Schema;

namespace HomeOps.Cli.Commands;

public static class ValidateCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("PATH") { Description = "Repository to check", DefaultValueFactory = _ => "." };
        var format = new Option<string>("--format", "-o") { Description = "text, json or sarif", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json", "sarif");
        var rule = new Option<string[]>("--rule") { Description = "Run only these rules (repeatable; 'bgp/' selects a family)" };
        var skip = new Option<string[]>("--skip") { Description = "Skip these rules (repeatable; 'bgp/' skips a family)" };
        var timings = new Option<bool>("--timings") { Description = "Also print how long loading and each rule set took (to stderr)" };
        var schemaLocation = CommonOptions.SchemaLocation();
        var command = new Command("validate", """
            One offline check of the whole repository, across every layer: talconfig.yaml,
            bootstrap-config.yaml and every manifest, loaded once, checked by every rule in parallel
            (rule ids and fixes: docs/rules.md). If validate is green, the repository is safe to push.
            Exit 0 when no error, 1 when errors, 2 for usage or internal failure.
            """) { path, format, rule, skip, schemaLocation, timings };
        command.SetAction(parse =>
        {
            var clock = Stopwatch.StartNew();
            var validator = new Validator(RuleCatalog.All());
            IReadOnlySet<string> enabled;
            try { enabled = validator.Select(parse.GetValue(rule) ?? [], parse.GetValue(skip) ?? []); }
            catch (HomeOpsException e)
            {
                FindingPrinter.Print(e.Findings, Console.Error);
                return ExitCodes.Failure;
            }
            var root = parse.GetValue(path)!;
            if (!Directory.Exists(root))
            {
                Console.Error.WriteLine($"homeops: {root} is not a directory");
                return ExitCodes.Failure;
            }
            _ = Task.Run(SchemaCheck.WarmUp); // overlaps the schema library's start-up with reading the repository
            var repo = new DiskRepository(new GitCli()).Load(root, Environment.GetEnvironmentVariables());
            var loadTime = clock.Elapsed;
            var report = validator.Run(repo, enabled, CommonOptions.Schemas(parse.GetValue(schemaLocation)), loadTime);
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
            return report.Errors > 0 ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }
}
