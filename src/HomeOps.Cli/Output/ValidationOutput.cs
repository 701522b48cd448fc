using System.Text.Json;
using System.Text.Json.Nodes;
using HomeOps.Model;
using HomeOps.Validate.Engine;

namespace HomeOps.Cli.Output;

/// <summary>The three renderings of a validation report: text for people, JSON for scripts, SARIF for code scanning.</summary>
public static class ValidationOutput
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Text(ValidationReport report, TextWriter writer)
    {
        foreach (var group in report.Findings.GroupBy(d => d.Location.File))
        {
            writer.WriteLine(TerminalText.Escape(group.Key));
            foreach (var d in group) writer.WriteLine($"  {FindingPrinter.Text(d)}".Replace("\n", "\n  "));
        }
        var templates = report.Templates > 0 ? $" ({report.Templates} templates, counted, not judged)" : "";
        writer.WriteLine($"{report.Files} files{templates}, {report.Documents} documents: {FindingPrinter.Count(report.Findings)} in {report.Duration.TotalMilliseconds:F0} ms");
    }

    /// <summary>{"diagnostics":[{rule,severity,file,line,column,message,hint}],"summary":{files,templates,documents,errors,warnings,durationMs}}</summary>
    public static JsonObject Json(ValidationReport report) => new()
    {
        ["diagnostics"] = new JsonArray(report.Findings.Select(d => (JsonNode)new JsonObject
        {
            ["rule"] = d.Rule,
            ["severity"] = Level(d.Severity),
            ["file"] = d.Location.File,
            ["line"] = d.Location.Line,
            ["column"] = d.Location.Column,
            ["message"] = d.Message,
            ["hint"] = d.Hint,
        }).ToArray()),
        ["summary"] = new JsonObject
        {
            ["files"] = report.Files,
            ["templates"] = report.Templates,
            ["documents"] = report.Documents,
            ["errors"] = report.Errors,
            ["warnings"] = report.Warnings,
            ["durationMs"] = (long)report.Duration.TotalMilliseconds,
        },
    };

    /// <summary>SARIF 2.1.0 as GitHub code scanning reads it: one run, the rule catalog, one result per finding.</summary>
    public static JsonObject Sarif(ValidationReport report, IReadOnlyList<RuleInfo> rules) => new()
    {
        ["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json",
        ["version"] = "2.1.0",
        ["runs"] = new JsonArray(new JsonObject
        {
            ["tool"] = new JsonObject
            {
                ["driver"] = new JsonObject
                {
                    ["name"] = "homeops",
                    ["informationUri"] = "https://github.com/geoffdavis/home-ops/blob/main/docs/rules.md",
                    ["rules"] = new JsonArray(rules.Select(r => (JsonNode)new JsonObject
                    {
                        ["id"] = r.Id,
                        ["shortDescription"] = new JsonObject { ["text"] = r.Summary },
                        ["helpUri"] = $"https://github.com/geoffdavis/home-ops/blob/main/docs/rules.md#{r.Id.Replace('/', '-')}",
                        ["defaultConfiguration"] = new JsonObject { ["level"] = SarifLevel(r.Severity) },
                    }).ToArray()),
                },
            },
            ["results"] = new JsonArray(report.Findings.Select(d => (JsonNode)Result(d)).ToArray()),
        }),
    };

    private static JsonObject Result(Finding d)
    {
        var physical = new JsonObject { ["artifactLocation"] = new JsonObject { ["uri"] = d.Location.File } };
        if (d.Location.Line > 0)
            physical["region"] = new JsonObject { ["startLine"] = d.Location.Line, ["startColumn"] = Math.Max(1, d.Location.Column) };
        return new JsonObject
        {
            ["ruleId"] = d.Rule,
            ["level"] = SarifLevel(d.Severity),
            ["message"] = new JsonObject { ["text"] = d.Hint is null ? d.Message : $"{d.Message} (fix: {d.Hint})" },
            ["locations"] = new JsonArray(new JsonObject { ["physicalLocation"] = physical }),
        };
    }

    private static string Level(Severity severity) => severity.ToString().ToLowerInvariant();

    private static string SarifLevel(Severity severity) => severity switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "note",
    };

    public static string Serialize(JsonNode node) => node.ToJsonString(Indented);
}
