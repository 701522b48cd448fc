using System.Text.Json.Nodes;

namespace HomeOps.Model.Repository;

/// <summary>Safe field access on parsed documents, whose shape nothing guarantees.</summary>
public static class JsonFields
{
    /// <summary>
    /// The field of an object node; null for null, arrays and scalars. JsonNode's own indexer throws
    /// when the node is not an object, and a hand-broken document (`spec: [a]`) must give a finding,
    /// not a failed rule.
    /// </summary>
    public static JsonNode? Field(this JsonNode? node, string name) => node is JsonObject o ? o[name] : null;
}
