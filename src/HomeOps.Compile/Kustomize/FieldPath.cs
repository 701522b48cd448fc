using System.Text.Json.Nodes;

namespace HomeOps.Compile.Kustomize;

/// <summary>kustomize's field spec paths ("spec/template/spec/containers/image"): '/'-separated, "\/" for a slash in a key, lists entered element by element.</summary>
public static class FieldPath
{
    public static string[] Split(string path)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] == '\\' && i + 1 < path.Length && path[i + 1] == '/') { current.Append('/'); i++; }
            else if (path[i] == '/') { parts.Add(current.ToString()); current.Clear(); }
            else current.Append(path[i]);
        }
        parts.Add(current.ToString());
        return parts.Select(p => p.EndsWith("[]", StringComparison.Ordinal) ? p[..^2] : p).ToArray();
    }

    /// <summary>The maps at the path (created along the way when <paramref name="create"/>; lists on the way are entered, never created).</summary>
    public static IEnumerable<JsonObject> Maps(JsonObject root, string path, bool create)
    {
        var current = new List<JsonNode> { root };
        var parts = Split(path);
        foreach (var part in parts)
        {
            var next = new List<JsonNode>();
            foreach (var node in current.SelectMany(Expand))
            {
                if (node is not JsonObject o) continue;
                if (o[part] is { } child) next.Add(child);
                else if (create)
                {
                    var made = new JsonObject();
                    o[part] = made;
                    next.Add(made);
                }
            }
            current = next;
        }
        return current.SelectMany(Expand).OfType<JsonObject>().ToList();
    }

    /// <summary>The (holder, field) pairs of the values at the path that exist.</summary>
    public static IEnumerable<(JsonObject Holder, string Field)> Scalars(JsonObject root, string path)
    {
        var parts = Split(path);
        var current = new List<JsonNode> { root };
        foreach (var part in parts[..^1])
            current = current.SelectMany(Expand).OfType<JsonObject>().Select(o => o[part]).OfType<JsonNode>().ToList();
        var last = parts[^1];
        return current.SelectMany(Expand).OfType<JsonObject>().Where(o => o[last] is not null).Select(o => (o, last)).ToList();
    }

    private static IEnumerable<JsonNode> Expand(JsonNode node) => node is JsonArray a ? a.OfType<JsonNode>() : [node];
}
