using System.Text.Json;
using System.Text.Json.Serialization;
using HomeOps.Operations.Status;
using Spectre.Console;

namespace HomeOps.Cli.Output;

/// <summary>`homeops status` on one screen (colour when on a terminal) or as JSON (homeops.status/v1, docs/status.md).</summary>
public static class StatusOutput
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a terminal or jq reads it, not an HTML page: keep — and ` as they are
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string ToJson(StatusReport report) => JsonSerializer.Serialize(new
    {
        schema = StatusReport.Schema,
        cluster = report.Cluster,
        observedAt = report.ObservedAt,
        health = report.Health,
        sections = report.Sections.Select(s => new
        {
            name = s.Name,
            title = s.Title,
            health = s.Health,
            summary = s.Summary,
            checks = s.Checks.Select(c => new { subject = c.Subject, health = c.Health, message = c.Message, facts = c.Facts }),
        }),
    }, Json);

    public static void Print(StatusReport report, IAnsiConsole console)
    {
        console.MarkupLine($"[bold]{TerminalText.Markup(report.Cluster)}[/]  {Badge(report.Health)}  [grey]observed {report.ObservedAt:yyyy-MM-dd HH:mm:ss}Z[/]");
        foreach (var section in report.Sections)
        {
            console.MarkupLine($"{Badge(section.Health)} {TerminalText.Markup(section.Title),-13} {TerminalText.Markup(section.Summary)}");
            // small sections show every subject; large ones only what needs attention
            var shown = section.Name is "nodes" or "etcd" or "bgp" ? section.Checks : section.Checks.Where(c => c.Health != Health.Green);
            foreach (var check in shown)
                console.MarkupLine($"       {Badge(check.Health)} {TerminalText.Markup(check.Subject)}  {TerminalText.Markup(check.Message)}");
        }
        console.MarkupLine(report.Health == Health.Green
            ? "[green]healthy[/]"
            : $"{Badge(report.Health)} {report.Sections.Sum(s => s.Checks.Count(c => c.Health != Health.Green))} thing(s) need attention; `homeops diagnose bgp|ipv6|storage|usb-ssd` and `homeops recover` go deeper");
    }

    private static string Badge(Health health) => health switch
    {
        Health.Green => "[green]ok  [/]",
        Health.Yellow => "[yellow]WARN[/]",
        _ => "[red bold]FAIL[/]",
    };
}
