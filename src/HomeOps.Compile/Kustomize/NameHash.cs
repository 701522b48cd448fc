using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using HomeOps.Model.Repository;

namespace HomeOps.Compile.Kustomize;

/// <summary>
/// The suffix kustomize appends to generated ConfigMap and Secret names (api/hasher/hasher.go at
/// kustomize/v5.5.0): SHA-256 over Go's json.Marshal of {kind, name, data[, binaryData]} for a
/// ConfigMap or {kind, type, name, data[, stringData]} for a Secret, keys sorted, then the first ten
/// hex digits with 0 1 3 a e written as g h k m t. The name is always "": the hasher looks the field
/// up as one key named "metadata/name", which no object has, so the hash depends on the data alone.
/// </summary>
public static class NameHash
{
    public static string Of(JsonObject body)
    {
        var kind = Manifest.Text(body["kind"]) ?? "";
        var encoded = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["kind"] = kind,
            ["name"] = "",
            ["data"] = Value(body["data"]),
        };
        if (kind == "Secret") encoded["type"] = Value(body["type"]);
        var extra = kind == "Secret" ? "stringData" : "binaryData";
        if (body[extra] is JsonObject) encoded[extra] = Value(body[extra]);
        var json = new StringBuilder();
        Write(json, new JsonObject(encoded.Select(p => KeyValuePair.Create(p.Key, p.Value))));
        var hex = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json.ToString())));
        return string.Concat(hex[..10].Select(c => c switch { '0' => 'g', '1' => 'h', '3' => 'k', 'a' => 'm', 'e' => 't', _ => c }));
    }

    /// <summary>What kustomize hashes for a field: a missing field is "", a map stays a map.</summary>
    private static JsonNode? Value(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v => Manifest.Text(v) ?? v.ToJsonString(),
        _ => node.DeepClone(),
    };

    /// <summary>Go's encoding/json: map keys sorted, HTML characters and U+2028/2029 escaped as \u00XX.</summary>
    private static void Write(StringBuilder b, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                b.Append('{');
                var first = true;
                foreach (var (key, value) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first) b.Append(',');
                    first = false;
                    WriteString(b, key);
                    b.Append(':');
                    Write(b, value);
                }
                b.Append('}');
                break;
            case JsonArray a:
                b.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0) b.Append(',');
                    Write(b, a[i]);
                }
                b.Append(']');
                break;
            case JsonValue v when Manifest.Text(v) is { } text:
                WriteString(b, text);
                break;
            case null:
                b.Append("null");
                break;
            default:
                b.Append(node.ToJsonString());
                break;
        }
    }

    private static void WriteString(StringBuilder b, string s)
    {
        b.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029':
                case < ' ':
                    b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: b.Append(c); break;
            }
        }
        b.Append('"');
    }
}
