using System.Text.Json.Nodes;
using HomeOps.Compile.Talos.Lines;

namespace HomeOps.Compile.Talos;

/// <summary>What happened to one legacy field found in a rendered config.</summary>
public sealed record LegacyChange(string Path, string Message, string Hint, bool IsError, bool Hidden);

/// <summary>
/// Applies a line's <c>legacy:</c> entries (Talos/Lines/vX.Y.yaml) to a node's rendered documents: v1alpha1 fields Talos still
/// accepts but the line's schema hides are dropped, renamed, kept (and hidden from the schema check), refused, or moved into
/// the documents that replace them, as the data says. Only what the node's input put there is touched: the line's own
/// generator never writes a hidden field.
/// </summary>
public static class LegacyFields
{
    /// <summary>Rewrites <paramref name="documents"/> in place; returns one change per field found (empty: nothing legacy).</summary>
    public static IReadOnlyList<LegacyChange> Apply(List<JsonObject> documents, TalosLine line)
    {
        var changes = new List<LegacyChange>();
        var config = documents[0];
        foreach (var entry in line.Legacy)
        {
            var (parent, key) = Locate(config, entry.Path);
            if (parent is null || !parent.TryGetPropertyValue(key, out var value)) continue;
            if (entry.When is not null && !JsonNode.DeepEquals(value, entry.When)) continue;
            var hint = $"Talos {line.Name} still reads it, but its schema does not list it";
            if (entry.Drop is { } why)
            {
                parent.Remove(key);
                if (!IsEmpty(value))
                    changes.Add(new LegacyChange(entry.Path, $"'{entry.Path}' is not part of the Talos {line.Name} config ({why}); homeops leaves it out", $"remove it from the patch that sets it ({hint})", false, false));
            }
            else if (entry.Rename is { } rename)
            {
                parent.Remove(key);
                var (target, targetKey) = Locate(config, rename, create: true);
                var moved = entry.AsList && value is JsonValue ? new JsonArray(value.DeepClone()) : value?.DeepClone();
                if (target is not null && target[targetKey] is null) target[targetKey] = moved;
                changes.Add(new LegacyChange(entry.Path, $"'{entry.Path}' is deprecated; homeops writes it as '{rename}'", $"write '{rename}' in the patch instead", false, false));
            }
            else if (entry.Keep is { } advice)
                changes.Add(new LegacyChange(entry.Path, $"'{entry.Path}' is deprecated (Talos {line.Name} still honours it)", advice, false, true));
            else if (entry.Error is { } error)
                changes.Add(new LegacyChange(entry.Path, $"'{entry.Path}': {error}", entry.Fix ?? "remove it", true, false));
            else if (entry.To is { } to)
            {
                parent.Remove(key);
                var problems = new List<string>();
                var written = to["translate"]?.GetValue<string>() == "networkInterfaces"
                    ? NetworkDocuments.Translate(value as JsonArray ?? [], problems)
                    : Documents(to, value);
                foreach (var document in written) Merge(documents, document);
                var kinds = string.Join(", ", written.Select(d => d["kind"]!.GetValue<string>()).Distinct());
                changes.Add(new LegacyChange(entry.Path,
                    $"'{entry.Path}' is not in the Talos {line.Name} schema; homeops writes it as {(kinds.Length == 0 ? "nothing (it is empty)" : kinds)}",
                    $"write {(kinds.Length == 0 ? "nothing" : kinds)} in the patch instead (`homeops upgrade talos` does it when the line changes)" +
                    (problems.Count > 0 ? "; not carried over: " + string.Join("; ", problems) : ""), false, false));
            }
        }
        return changes;
    }

    /// <summary>Adds <paramref name="document"/>, or merges it into the one of the same kind and name (Talos' strategic merge).</summary>
    public static void Merge(List<JsonObject> documents, JsonObject document)
    {
        var target = documents.Skip(1).FirstOrDefault(d => Same(d, document));
        if (target is null) documents.Add(document);
        else StrategicMerge.Merge(target, document);
    }

    public static bool Same(JsonObject a, JsonObject b) =>
        a["kind"]?.ToJsonString() == b["kind"]?.ToJsonString() && a["name"]?.ToJsonString() == b["name"]?.ToJsonString();

    private static bool IsEmpty(JsonNode? node) => node is null or JsonObject { Count: 0 } or JsonArray { Count: 0 };

    /// <summary>The parent object of a dotted path and the last key; null when a parent is missing (unless <paramref name="create"/>).</summary>
    private static (JsonObject? Parent, string Key) Locate(JsonObject root, string path, bool create = false)
    {
        var parts = path.Split('.');
        JsonObject? node = root;
        foreach (var part in parts[..^1])
        {
            if (node[part] is JsonObject child) node = child;
            else if (create && node[part] is null) node = (JsonObject)(node[part] = new JsonObject());
            else return (null, parts[^1]);
        }
        return (node, parts[^1]);
    }

    /// <summary>The documents a `to:` entry makes of <paramref name="value"/>: one, one per list item (eachItem) or one per key (eachKey).</summary>
    private static List<JsonObject> Documents(JsonObject to, JsonNode? value)
    {
        var result = new List<JsonObject>();
        var scopes = to["eachItem"]?.GetValue<bool>() == true
            ? (value as JsonArray ?? []).Select(item => new Scope(value, item, null))
            : to["eachKey"]?.GetValue<bool>() == true
                ? (value as JsonObject ?? []).Select(p => new Scope(p.Value, null, p.Key))
                : [new Scope(value, null, null)];
        foreach (var scope in scopes)
        {
            var document = new JsonObject { ["apiVersion"] = "v1alpha1", ["kind"] = to["kind"]!.GetValue<string>() };
            if (to["name"] is { } name && Evaluate(name, scope) is { } evaluated) document["name"] = evaluated;
            // nothing to write (e.g. registries.config.<host> without auth): no document
            if (Evaluate(to["set"], scope) is not JsonObject fields) continue;
            foreach (var (k, v) in fields) document[k] = v?.DeepClone();
            result.Add(document);
        }
        return result;
    }

    private sealed record Scope(JsonNode? Value, JsonNode? Item, string? Key);

    /// <summary>A `set:` template: "$value", "$value.x", "$item.x", "$key" are references; {each, as} maps a list; {not} negates.</summary>
    private static JsonNode? Evaluate(JsonNode? template, Scope scope)
    {
        switch (template)
        {
            case JsonValue v when v.TryGetValue<string>(out var text) && text.StartsWith('$'):
                var parts = text[1..].Split('.');
                JsonNode? node = parts[0] switch
                {
                    "value" => scope.Value,
                    "item" => scope.Item,
                    "key" => scope.Key,
                    _ => throw new FormatException($"unknown reference {text} in a legacy `to:`"),
                };
                foreach (var part in parts.Skip(1)) node = node is JsonObject o ? o[part] : null;
                return node?.DeepClone();
            case JsonObject o when o["each"] is { } each:
                if (Evaluate(each, scope) is not JsonArray items) return null;
                return new JsonArray(items.Select(item => Evaluate(o["as"], scope with { Item = item })).ToArray());
            case JsonObject o when o["not"] is { } negated:
                return Evaluate(negated, scope) is JsonValue b && b.TryGetValue<bool>(out var flag) ? JsonValue.Create(!flag) : null;
            case JsonObject o:
                var result = new JsonObject();
                foreach (var (k, child) in o)
                    if (Evaluate(child, scope) is { } evaluated) result[k] = evaluated;
                return result.Count == 0 ? null : result;
            default:
                return template?.DeepClone();
        }
    }
}
