using System.Text.Json.Nodes;

namespace HomeOps.Compile.Talos;

/// <summary>RFC 6902 JSON Patch (add, remove, replace, move, copy, test) over <see cref="JsonNode"/> trees.</summary>
public static class JsonPatch
{
    public static void Apply(JsonNode document, JsonArray operations)
    {
        var index = 0;
        foreach (var operation in operations)
        {
            if (operation is not JsonObject op) throw new FormatException($"operation {index} is not a mapping");
            var name = Text(op, "op", index);
            var path = Text(op, "path", index);
            switch (name)
            {
                case "add": Add(document, path, Value(op, index)); break;
                case "remove": Remove(document, path); break;
                case "replace": Remove(document, path); Add(document, path, Value(op, index)); break;
                case "move":
                    var moved = Get(document, From(op, index));
                    Remove(document, From(op, index));
                    Add(document, path, moved);
                    break;
                case "copy": Add(document, path, Get(document, From(op, index))?.DeepClone()); break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(document, path), op["value"]))
                        throw new FormatException($"test failed at {path}");
                    break;
                default: throw new FormatException($"unknown op '{name}' in operation {index}");
            }
            index++;
        }
    }

    private static JsonNode? Value(JsonObject op, int index) =>
        op.ContainsKey("value") ? op["value"]?.DeepClone() : throw new FormatException($"operation {index} has no 'value'");

    private static string From(JsonObject op, int index) => Text(op, "from", index);

    private static string Text(JsonObject op, string field, int index) =>
        op[field] is JsonValue v && v.TryGetValue<string>(out var text) ? text : throw new FormatException($"operation {index} has no string '{field}'");

    private static string[] Tokens(string pointer)
    {
        if (pointer.Length == 0) return [];
        if (pointer[0] != '/') throw new FormatException($"'{pointer}' is not a JSON pointer (must start with /)");
        return pointer[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToArray();
    }

    private static JsonNode? Get(JsonNode document, string pointer)
    {
        var node = document;
        foreach (var token in Tokens(pointer))
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out var child) => child,
                JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw new FormatException($"path {pointer} does not exist"),
            } ?? throw new FormatException($"path {pointer} is null");
        return node;
    }

    private static (JsonNode Parent, string Last) Parent(JsonNode document, string pointer)
    {
        var tokens = Tokens(pointer);
        if (tokens.Length == 0) throw new FormatException("cannot patch the document root");
        var parentPointer = "/" + string.Join('/', tokens[..^1].Select(t => t.Replace("~", "~0").Replace("/", "~1")));
        var parent = tokens.Length == 1 ? document : Get(document, parentPointer) ?? throw new FormatException($"path {pointer} has no parent");
        return (parent, tokens[^1]);
    }

    private static void Add(JsonNode document, string pointer, JsonNode? value)
    {
        var (parent, last) = Parent(document, pointer);
        switch (parent)
        {
            case JsonObject o: o[last] = value; break;
            case JsonArray a when last == "-": a.Add(value); break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count: a.Insert(i, value); break;
            default: throw new FormatException($"cannot add at {pointer}");
        }
    }

    private static void Remove(JsonNode document, string pointer)
    {
        var (parent, last) = Parent(document, pointer);
        var removed = parent switch
        {
            JsonObject o => o.Remove(last),
            JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count => RemoveAt(a, i),
            _ => false,
        };
        if (!removed) throw new FormatException($"path {pointer} does not exist");
    }

    private static bool RemoveAt(JsonArray array, int index)
    {
        array.RemoveAt(index);
        return true;
    }
}
