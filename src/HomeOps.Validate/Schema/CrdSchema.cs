using System.Text.Json.Nodes;

namespace HomeOps.Validate.Schema;

/// <summary>
/// CRD JSON schemas (as kubeconform and the datreeio catalog publish them) are OpenAPI v3 schemas
/// with Kubernetes extensions. JsonSchema.Net refuses keywords it does not know, so the extensions
/// (x-kubernetes-*) and OpenAPI's "example" are removed where they are keywords (not where they
/// are property names), and "nullable: true" becomes a "null" alternative of "type".
/// What that loses: CEL rules (x-kubernetes-validations) and list-map key uniqueness.
/// </summary>
public static class CrdSchema
{
    public static string Normalize(string text) => Strip(JsonNode.Parse(text))?.ToJsonString() ?? "null";

    /// <summary><see cref="Normalize"/> as a tree, without writing it out and reading it back.</summary>
    public static JsonNode? NormalizedTree(string text) => Strip(JsonNode.Parse(text));

    /// <summary>
    /// The part of a (normalized) CRD schema that can affect <paramref name="instances"/>: property
    /// schemas of fields none of them has are dropped. That is exact for each of them
    /// ("properties" only constrains present fields; "required" and "additionalProperties" only look
    /// at names), and makes compiling proportional to the document instead of the CRD, whose
    /// schemas run to hundreds of kilobytes (every provider of a ClusterSecretStore, every field of
    /// a CNPG Cluster), while a repository uses a few of their fields.
    /// </summary>
    public static JsonNode PruneFor(JsonNode schema, IReadOnlyList<JsonNode?> instances) => Prune(schema, instances);

    private static JsonNode Prune(JsonNode schema, IReadOnlyList<JsonNode?> instances)
    {
        if (schema is not JsonObject o) return schema.DeepClone();
        var pruned = new JsonObject();
        var declared = o["properties"] as JsonObject;
        foreach (var (key, value) in o)
        {
            if (value is null) { pruned[key] = null; continue; }
            pruned[key] = key switch
            {
                "properties" when value is JsonObject properties => PruneProperties(properties, instances),
                "items" when value is JsonObject => Prune(value, instances.OfType<JsonArray>().SelectMany(a => a).ToList()),
                "additionalProperties" when value is JsonObject => Prune(value, instances.OfType<JsonObject>()
                    .SelectMany(i => i.Where(p => declared is null || !declared.ContainsKey(p.Key)).Select(p => p.Value)).ToList()),
                "allOf" or "anyOf" or "oneOf" when value is JsonArray alternatives => new JsonArray(alternatives.Select(a => a is null ? null : Prune(a, instances)).ToArray()),
                "not" => Prune(value, instances),
                _ => value.DeepClone(),
            };
        }
        return pruned;
    }

    private static JsonObject PruneProperties(JsonObject properties, IReadOnlyList<JsonNode?> instances)
    {
        var objects = instances.OfType<JsonObject>().ToList();
        var kept = new JsonObject();
        foreach (var (name, schema) in properties)
        {
            var values = objects.Where(i => i.ContainsKey(name)).Select(i => i[name]).ToList();
            if (values.Count > 0) kept[name] = schema is null ? null : Prune(schema, values);
        }
        return kept;
    }

    /// <summary>
    /// The API server checks CRD patterns with Go's regexp (RE2), which writes a one-letter Unicode class without
    /// braces (\pC, \PL: Cilium's CiliumNetworkPolicy spec.log.value is ^\PC*$); .NET needs \p{C}, \P{L}.
    /// </summary>
    private static string Re2Categories(string pattern) =>
        System.Text.RegularExpressions.Regex.Replace(pattern, @"(?<!\\)((?:\\\\)*)\\([pP])([A-Z])", "$1\\$2{$3}");

    private static JsonNode? Strip(JsonNode? node, bool namesOnly = false)
    {
        switch (node)
        {
            case JsonObject o when namesOnly:
                foreach (var (_, value) in o.ToList()) Strip(value);
                break;
            case JsonObject o:
                if (o["nullable"] is JsonValue n && n.TryGetValue<bool>(out var nullable))
                {
                    o.Remove("nullable");
                    if (nullable && o["type"] is JsonValue t && t.TryGetValue<string>(out var type)) o["type"] = new JsonArray(type, "null");
                }
                o.Remove("example");
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    if (key.StartsWith("x-kubernetes-", StringComparison.Ordinal)) { o.Remove(key); continue; }
                    if (key is "default" or "enum" or "const" or "examples") continue; // values, not schemas
                    if (key == "pattern" && o[key] is JsonValue p && p.TryGetValue<string>(out var pattern)) { o[key] = Re2Categories(pattern); continue; }
                    Strip(o[key], key is "properties" or "patternProperties" or "definitions" or "$defs" or "dependentSchemas");
                }
                break;
            case JsonArray a:
                foreach (var item in a) Strip(item);
                break;
        }
        return node;
    }
}
