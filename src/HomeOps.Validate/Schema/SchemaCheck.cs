using System.Text.Json;
using System.Text.Json.Nodes;
using HomeOps.Model.Yaml;
using Json.Schema;

namespace HomeOps.Validate.Schema;

/// <summary>One schema violation: where in the instance (JSON pointer) and what.</summary>
public sealed record SchemaError(string InstancePath, string Message);

/// <summary>
/// Compiled JSON Schemas and their evaluation. Schemas are built once and shared (evaluation is
/// thread-safe), so a validation run pays the schema cost once per kind, not per document.
/// </summary>
public sealed class SchemaCheck
{
    private readonly BuildOptions _build = new() { SchemaRegistry = new SchemaRegistry() };
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List };

    /// <summary>Valid-or-not only: far cheaper than collecting every node's result, and most documents are valid.</summary>
    private static readonly EvaluationOptions Verdict = new() { OutputFormat = OutputFormat.Flag };

    /// <summary>System.Text.Json stops at 64 levels by default; YAML input may nest up to <see cref="YamlDocuments.MaxDepth"/> (a schema finding, not a crash).</summary>
    private static readonly JsonSerializerOptions Deep = new() { MaxDepth = YamlDocuments.MaxDepth + 64 };

    /// <summary>Registers a schema document (resolvable later by its $id) and returns it.</summary>
    public JsonSchema Register(string text, Uri fallbackId) => JsonSchema.FromText(text, _build, fallbackId);

    /// <summary>A schema that points into a registered document, e.g. "…/config.schema.json#/$defs/v1alpha1.Config".</summary>
    public JsonSchema Reference(string uri) =>
        JsonSchema.FromText(JsonSerializer.Serialize(new Dictionary<string, string> { ["$ref"] = uri }), _build, new Uri($"urn:homeops:ref:{Guid.NewGuid():N}"));

    /// <summary>
    /// Pays JsonSchema.Net's one-time start-up (keyword registry, format and pattern machinery, JIT)
    /// on a tiny schema, so a caller can overlap it with reading the repository.
    /// </summary>
    public static void WarmUp()
    {
        var schema = new SchemaCheck().Register("""
            {"type":"object","required":["a"],"additionalProperties":false,
             "properties":{"a":{"type":"string","pattern":"^x","format":"date-time","enum":["x"]},
                           "b":{"type":["integer","null"],"minimum":0},"c":{"type":"array","items":{"anyOf":[{"type":"string"},{"type":"boolean"}]}},
                           "d":{"type":"object","additionalProperties":{"type":"string"}}}}
            """, new Uri("urn:homeops:warm-up"));
        Evaluate(schema, JsonNode.Parse("""{"a":"y","b":-1,"c":[1],"d":{"e":2},"f":0}"""));
    }

    public static IReadOnlyList<SchemaError> Evaluate(JsonSchema schema, JsonNode? instance)
    {
        using var document = JsonDocument.Parse(instance?.ToJsonString(Deep) ?? "null", new JsonDocumentOptions { MaxDepth = Deep.MaxDepth });
        if (schema.Evaluate(document.RootElement, Verdict).IsValid) return [];
        var results = schema.Evaluate(document.RootElement, Evaluation);
        var errors = new List<SchemaError>();
        foreach (var detail in (results.Details ?? []).Append(results))
            foreach (var (keyword, message) in detail.Errors ?? new Dictionary<string, string>())
            {
                if (keyword is "$ref" or "allOf" or "anyOf" or "oneOf" or "properties" or "items") continue;
                errors.Add(new SchemaError(detail.InstanceLocation.ToString(), message));
            }
        return errors.DistinctBy(e => (e.InstancePath, e.Message)).ToList() is { Count: > 0 } list
            ? list
            : [new SchemaError("", "does not match the schema")];
    }
}
