using System.Text.Json.Nodes;

namespace HomeOps.Core.Validate.Schema;

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
