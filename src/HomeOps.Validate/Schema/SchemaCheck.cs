using System.Text.Json;
using System.Text.Json.Nodes;
using HomeOps.Model.Yaml;
using Json.Schema;

namespace HomeOps.Validate.Schema;

/// <summary>One schema violation: where in the instance (JSON pointer) and what.</summary>
/// <param name="UnknownField">The value at <paramref name="InstancePath"/> is a field the schema does not allow (additionalProperties: false).</param>
public sealed record SchemaError(string InstancePath, string Message, bool UnknownField = false);

/// <summary>
/// Compiled JSON Schemas and their evaluation. Schemas are built once and shared (evaluation is
/// thread-safe), so a validation run pays the schema cost once per kind, not per document.
/// </summary>
public sealed class SchemaCheck
{
    private readonly BuildOptions _build = new() { SchemaRegistry = new SchemaRegistry() };
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.Hierarchical };

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

    /// <summary>
    /// The violations that decide the result, in plain words: for an anyOf or oneOf that fails, only the
    /// branch that fits the value best (the one whose type matches, else the one with the fewest
    /// problems); a branch that failed inside an anyOf or oneOf that passed is never reported.
    /// </summary>
    public static IReadOnlyList<SchemaError> Evaluate(JsonSchema schema, JsonNode? instance)
    {
        using var document = JsonDocument.Parse(instance?.ToJsonString(Deep) ?? "null", new JsonDocumentOptions { MaxDepth = Deep.MaxDepth });
        if (schema.Evaluate(document.RootElement, Verdict).IsValid) return [];
        var results = schema.Evaluate(document.RootElement, Evaluation);
        var errors = new List<SchemaError>();
        Collect(results, errors);
        return errors.DistinctBy(e => (e.InstancePath, e.Message)).ToList() is { Count: > 0 } list
            ? list
            : [new SchemaError("", "does not match the schema")];
    }

    private static readonly System.Text.RegularExpressions.Regex Branch = new(@"^/(anyOf|oneOf)/\d+$");

    private static void Collect(EvaluationResults node, List<SchemaError> errors)
    {
        if (node.IsValid) return;
        var path = node.EvaluationPath.ToString();
        foreach (var (keyword, message) in node.Errors ?? new Dictionary<string, string>())
        {
            if (keyword is "$ref" or "allOf" or "anyOf" or "properties" or "items") continue;
            if (keyword == "oneOf" && !message.Contains("found", StringComparison.Ordinal)) continue;
            var unknown = path.EndsWith("/additionalProperties", StringComparison.Ordinal) && message.Contains("false schema", StringComparison.Ordinal);
            errors.Add(new SchemaError(node.InstanceLocation.ToString(), message, unknown));
        }
        var details = node.Details ?? [];
        var branches = new Dictionary<string, List<EvaluationResults>>(StringComparer.Ordinal);
        foreach (var child in details)
        {
            var childPath = child.EvaluationPath.ToString();
            if (childPath.StartsWith(path, StringComparison.Ordinal) && Branch.IsMatch(childPath[path.Length..]))
            {
                var group = childPath[..childPath.LastIndexOf('/')];
                if (!branches.TryGetValue(group, out var list)) branches[group] = list = [];
                list.Add(child);
            }
            else Collect(child, errors);
        }
        foreach (var group in branches.Values)
        {
            if (group.Any(b => b.IsValid)) continue; // the anyOf (or oneOf) passed; its failed branches say nothing
            var scored = group.Select(b => (Branch: b, TypeMismatch: TypeMismatchAtRoot(b), Count: Count(b))).ToList();
            if (scored.All(b => b.TypeMismatch is not null))
            {
                var wanted = scored.Select(b => b.TypeMismatch!).SelectMany(m => System.Text.RegularExpressions.Regex.Matches(m, "should be \"([a-z]+)\"").Select(x => x.Groups[1].Value)).Distinct().ToList();
                var actual = System.Text.RegularExpressions.Regex.Match(scored[0].TypeMismatch!, "Value is \"([a-z]+)\"").Groups[1].Value;
                errors.Add(new SchemaError(group[0].InstanceLocation.ToString(), wanted.Count > 0 && actual.Length > 0
                    ? $"Value is \"{actual}\" but should be {string.Join(" or ", wanted.Select(w => $"\"{w}\""))}"
                    : scored[0].TypeMismatch!));
                continue;
            }
            Collect(scored.Where(b => b.TypeMismatch is null).MinBy(b => b.Count).Branch, errors);
        }
    }

    /// <summary>The type error a branch reports about the value itself, or null.</summary>
    private static string? TypeMismatchAtRoot(EvaluationResults branch)
    {
        var at = branch.InstanceLocation.ToString();
        return Flatten(branch).Where(n => n.InstanceLocation.ToString() == at)
            .SelectMany(n => n.Errors ?? new Dictionary<string, string>()).Where(e => e.Key == "type").Select(e => e.Value).FirstOrDefault();
    }

    private static int Count(EvaluationResults node) => Flatten(node).Sum(n => n.Errors?.Count ?? 0);

    private static IEnumerable<EvaluationResults> Flatten(EvaluationResults node) => (node.Details ?? []).SelectMany(Flatten).Prepend(node);
}
