using System.Text.Json;
using System.Text.Json.Nodes;
using HomeOps.Operations.Diagnose;

namespace HomeOps.Cli.Output;

/// <summary>
/// A diagnosis as text (one line per check: verdict, subject, check, what was seen, then what the repository expects)
/// or as JSON (docs/diagnose.md documents the shape; fields are only ever added).
/// </summary>
public static class DiagnosisOutput
{
    // quotes and apostrophes as themselves: the evidence quotes models and paths, and nothing here lands in HTML
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Print(Diagnosis diagnosis, string format, TextWriter output)
    {
        if (format == "json")
        {
            output.WriteLine(Json(diagnosis).ToJsonString(Indented));
            return;
        }
        // what the cluster reported is one line per field: escaped whole, newlines included
        var subjectWidth = diagnosis.Checks.Select(c => TerminalText.Escape(c.Subject).Length).DefaultIfEmpty(0).Max();
        foreach (var check in diagnosis.Checks)
        {
            output.WriteLine($"{Label(check.Verdict),-4} {TerminalText.Escape(check.Subject).PadRight(subjectWidth)}  {TerminalText.Escape(check.Name)}: {TerminalText.Escape(check.Seen)}");
            if (check.Verdict != Verdict.Ok) output.WriteLine($"     {new string(' ', subjectWidth)}  expected: {TerminalText.Escape(check.Expected)}");
        }
        foreach (var note in diagnosis.Notes) output.WriteLine($"note: {TerminalText.EscapeLines(note)}");
        output.WriteLine(Summary(diagnosis));
    }

    public static string Summary(Diagnosis d) => d.Healthy
        ? $"ok: {d.Topic}: all {d.Checks.Count} checks passed"
        : $"{d.Topic}: {d.Failed} failed, {d.Warnings} warning(s) of {d.Checks.Count} checks";

    public static JsonObject Json(Diagnosis d) => new()
    {
        ["diagnosis"] = d.Topic,
        ["healthy"] = d.Healthy,
        ["failed"] = d.Failed,
        ["warnings"] = d.Warnings,
        ["checks"] = new JsonArray(d.Checks.Select(c => (JsonNode)new JsonObject
        {
            ["subject"] = c.Subject,
            ["check"] = c.Name,
            ["verdict"] = Label(c.Verdict).ToLowerInvariant(),
            ["seen"] = c.Seen,
            ["expected"] = c.Expected,
        }).ToArray()),
        ["notes"] = new JsonArray(d.Notes.Select(n => (JsonNode)JsonValue.Create(n)).ToArray()),
    };

    /// <summary>`diagnose bgp --format json`: one object per planned session (docs/diagnose.md).</summary>
    public static JsonObject Json(IReadOnlyList<SessionDiagnosis> sessions) => new()
    {
        ["diagnosis"] = "bgp",
        ["healthy"] = sessions.All(s => s.Healthy),
        ["sessions"] = new JsonArray(sessions.Select(s => (JsonNode)new JsonObject
        {
            ["node"] = s.Node,
            ["family"] = s.IsV6 ? "ipv6" : "ipv4",
            ["router"] = s.Router.ToString(),
            ["state"] = s.State,
            ["advertised"] = s.Advertised,
            ["healthy"] = s.Healthy,
            ["missing"] = new JsonArray(s.Missing.Select(m => (JsonNode)new JsonObject { ["route"] = m.Route.ToString(), ["service"] = m.Service.Description }).ToArray()),
            ["unexpected"] = new JsonArray(s.Unexpected.Select(u => (JsonNode)JsonValue.Create(u)).ToArray()),
            ["unanswered"] = s.Unanswered,
        }).ToArray()),
    };

    public static string Serialize(JsonObject json) => json.ToJsonString(Indented);

    private static string Label(Verdict verdict) => verdict switch
    {
        Verdict.Ok => "ok",
        Verdict.Warn => "WARN",
        _ => "FAIL",
    };
}
