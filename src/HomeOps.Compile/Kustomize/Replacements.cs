using System.Text.Json.Nodes;
using HomeOps.Model.Repository;

namespace HomeOps.Compile.Kustomize;

/// <summary>
/// kustomize's replacements (api/filters/replacement/replacement.go at kustomize/v5.5.0): copy a value
/// from one object (source: kind/name/..., fieldPath, options.delimiter/index) into fields of others
/// (targets: select, reject, fieldPaths, options.create/delimiter/index). A source must select exactly
/// one object; a target field that is missing is an error unless options.create.
/// </summary>
internal static class Replacements
{
    /// <summary>Thrown with the reason kustomize would stop; the caller knows where the replacement was written.</summary>
    internal sealed class ReplacementException(string message) : Exception(message);

    public static void Apply(List<KustomizeBuilder.Resource> resources, JsonObject replacement)
    {
        if (replacement["source"] is not JsonObject source || replacement["targets"] is not JsonArray targets)
            throw new ReplacementException("a replacement needs a source and at least one target");
        var value = SourceValue(resources, source);
        foreach (var target in targets.OfType<JsonObject>())
        {
            if (target["select"] is not JsonObject select) throw new ReplacementException("a replacement target must say which objects it selects (select:)");
            var paths = (target["fieldPaths"] as JsonArray ?? []).Select(Manifest.Text).OfType<string>().ToList();
            if (paths.Count == 0) paths.Add("metadata.name");
            var options = target["options"] as JsonObject;
            var rejects = (target["reject"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            foreach (var resource in resources)
            {
                var ids = resource.PreviousIds.Append(resource.Current).ToList();
                if (!ids.Any(id => Selects(select, id)) || !Labelled(resource, select)) continue;
                if (rejects.Any(r => HasId(r) && ids.Any(id => Selects(r, id)) || !HasId(r) && (r["labelSelector"] is not null || r["annotationSelector"] is not null) && Labelled(resource, r))) continue;
                foreach (var path in paths) Set(resource.Body, path, value, options);
            }
        }
    }

    private static readonly string[] IdFields = ["group", "version", "kind", "name", "namespace"];

    private static bool HasId(JsonObject selector) => IdFields.Any(f => Manifest.Text(selector[f]) is { Length: > 0 });

    /// <summary>ResId.IsSelectedBy: every field the selector sets must equal the id's (namespace compared as effective namespace).</summary>
    private static bool Selects(JsonObject selector, ResourceId id) =>
        (Manifest.Text(selector["name"]) is not { Length: > 0 } name || name == id.Name)
        && (Manifest.Text(selector["namespace"]) is not { Length: > 0 } ns || ns == id.EffectiveNamespace)
        && (Manifest.Text(selector["group"]) is not { Length: > 0 } group || group == id.Group)
        && (Manifest.Text(selector["version"]) is not { Length: > 0 } version || version == id.Version)
        && (Manifest.Text(selector["kind"]) is not { Length: > 0 } kind || kind == id.Kind);

    private static bool Labelled(KustomizeBuilder.Resource resource, JsonObject selector) =>
        Matches(Manifest.Text(selector["labelSelector"]), resource.Body["metadata"].Field("labels"))
        && Matches(Manifest.Text(selector["annotationSelector"]), resource.Body["metadata"].Field("annotations"));

    private static bool Matches(string? selector, JsonNode? map)
    {
        if (string.IsNullOrWhiteSpace(selector)) return true;
        var values = (map as JsonObject ?? []).ToDictionary(p => p.Key, p => Manifest.Text(p.Value));
        foreach (var term in selector.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var negated = term.Contains("!=", StringComparison.Ordinal);
            var parts = term.Split(negated ? "!=" : term.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2, StringSplitOptions.TrimEntries);
            var has = values.TryGetValue(parts[0], out var v);
            if (parts.Length == 1 ? !has : negated ? has && v == parts[1] : !has || v != parts[1]) return false;
        }
        return true;
    }

    private static JsonNode SourceValue(List<KustomizeBuilder.Resource> resources, JsonObject source)
    {
        var matches = resources.Where(r => r.PreviousIds.Append(r.Current).Any(id => Selects(source, id))).ToList();
        if (matches.Count == 0) throw new ReplacementException($"its source ({Describe(source)}) selects no object of the build");
        if (matches.Count > 1) throw new ReplacementException($"its source ({Describe(source)}) selects {matches.Count} objects; it must select one");
        var path = Manifest.Text(source["fieldPath"]) ?? "metadata.name";
        var found = Find(matches[0].Body, Split(path), create: false).FirstOrDefault() is { } at ? at.Holder.Get(at.Key) : null;
        if (found is null)
            throw new ReplacementException($"its source field {path} is missing from {matches[0].Current}");
        if (source["options"] is JsonObject options && Manifest.Text(options["delimiter"]) is { Length: > 0 } delimiter)
        {
            var parts = (Manifest.Text(found) ?? throw new ReplacementException("delimiter works on text values only")).Split(delimiter);
            var index = options["index"] is JsonValue i && i.TryGetValue<int>(out var n) ? n : 0;
            if (index < 0 || index >= parts.Length) throw new ReplacementException($"options.index {index} is out of bounds for '{Manifest.Text(found)}'");
            return JsonValue.Create(parts[index]);
        }
        return found.DeepClone();
    }

    private static string Describe(JsonObject selector) =>
        string.Join(" ", IdFields.Select(f => Manifest.Text(selector[f]) is { Length: > 0 } v ? $"{f}={v}" : null).OfType<string>());

    private static void Set(JsonObject body, string path, JsonNode value, JsonObject? options)
    {
        var create = options?["create"] is JsonValue c && c.TryGetValue<bool>(out var b) && b;
        var fields = Find(body, Split(path), create).ToList();
        if (fields.Count == 0) throw new ReplacementException($"the target field {path} is missing from a selected object{(create ? "" : " (options.create is not set)")}");
        foreach (var (holder, key) in fields)
        {
            var copy = value.DeepClone();
            if (Manifest.Text(options?["delimiter"]) is { Length: > 0 } delimiter)
            {
                var current = (Manifest.Text(holder.Get(key)) ?? "").Split(delimiter).ToList();
                var index = options!["index"] is JsonValue i && i.TryGetValue<int>(out var n) ? n : 0;
                var text = Manifest.Text(value) ?? "";
                if (index < 0) current.Insert(0, text);
                else if (index >= current.Count) current.Add(text);
                else current[index] = text;
                copy = JsonValue.Create(string.Join(delimiter, current));
            }
            holder.Set(key, copy);
        }
    }

    /// <summary>kyaml's SmarterPathSplitter: '.' separates, except inside [...].</summary>
    private static List<string> Split(string path)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        var depth = 0;
        foreach (var c in path)
        {
            if (c == '[') depth++;
            if (c == ']') depth--;
            if (c == '.' && depth == 0)
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else current.Append(c);
        }
        parts.Add(current.ToString());
        return parts;
    }

    /// <summary>A place a value can be read or written: a key of an object or an index of a list.</summary>
    private readonly record struct Slot(JsonNode Holder, object Key)
    {
        public JsonNode? Get(object key) => Holder switch
        {
            JsonObject o => o[(string)key],
            JsonArray a => a[(int)key],
            _ => null,
        };

        public void Set(object key, JsonNode? value)
        {
            if (Holder is JsonObject o) o[(string)key] = value;
            else if (Holder is JsonArray a) a[(int)key] = value;
        }
    }

    private static IEnumerable<(Slot Holder, object Key)> Find(JsonNode node, List<string> path, bool create)
    {
        var current = new List<JsonNode> { node };
        for (var i = 0; i < path.Count; i++)
        {
            var segment = path[i];
            var last = i == path.Count - 1;
            var next = new List<(Slot, object)>();
            foreach (var holder in current)
            {
                if (segment.StartsWith('[') && segment.EndsWith(']') && holder is JsonArray list)
                {
                    var condition = segment[1..^1].Split('=', 2);
                    for (var j = 0; j < list.Count; j++)
                        if (condition.Length == 2 && Manifest.Text(list[j].Field(condition[0])) == condition[1]) next.Add((new Slot(list, j), j));
                    if (next.Count == 0 && create && condition.Length == 2)
                    {
                        list.Add(new JsonObject { [condition[0]] = condition[1] });
                        next.Add((new Slot(list, list.Count - 1), list.Count - 1));
                    }
                }
                else if (segment == "*")
                {
                    if (holder is JsonArray all) next.AddRange(Enumerable.Range(0, all.Count).Select(j => (new Slot(all, j), (object)j)));
                    else if (holder is JsonObject map) next.AddRange(map.Select(p => (new Slot(map, p.Key), (object)p.Key)));
                }
                else if (holder is JsonArray indexed && int.TryParse(segment, out var index) && index >= 0 && index < indexed.Count)
                    next.Add((new Slot(indexed, index), index));
                else if (holder is JsonObject obj)
                {
                    if (obj.ContainsKey(segment)) next.Add((new Slot(obj, segment), segment));
                    else if (create)
                    {
                        if (!last) obj[segment] = path[i + 1].StartsWith('[') ? new JsonArray() : new JsonObject();
                        next.Add((new Slot(obj, segment), segment));
                    }
                }
            }
            if (last)
            {
                foreach (var (slot, key) in next) yield return (slot, key);
                yield break;
            }
            current = next.Select(n => n.Item1.Get(n.Item2)).OfType<JsonNode>().ToList();
        }
    }
}
