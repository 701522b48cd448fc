using System.Text.Json.Nodes;
using YamlDotNet.Core;

namespace HomeOps.Model.Repository;

/// <summary>One Kubernetes object as written in Git: its body, identity and where each field sits.</summary>
public sealed class Manifest(string file, int index, JsonObject body, IReadOnlyDictionary<string, Mark> positions)
{
    public string File { get; } = file;

    /// <summary>0-based position of the document in its file.</summary>
    public int Index { get; } = index;

    public JsonObject Body { get; } = body;

    public string ApiVersion { get; } = Text(body["apiVersion"]) ?? "";
    public string Kind { get; } = Text(body["kind"]) ?? "";
    // "metadata: [a]" or "metadata: x": indexing a non-object JsonNode throws, and this runs in the loader.
    public string Name { get; } = Text(body["metadata"].Field("name")) ?? "";
    public string? Namespace { get; } = Text(body["metadata"].Field("namespace"));

    /// <summary>The API group ("" for the core group).</summary>
    public string Group => ApiVersion.Contains('/') ? ApiVersion[..ApiVersion.IndexOf('/')] : "";

    public string Version => ApiVersion.Contains('/') ? ApiVersion[(ApiVersion.IndexOf('/') + 1)..] : ApiVersion;

    public string Id => $"{Kind}/{(Namespace is null ? "" : Namespace + "/")}{Name}";

    /// <summary>Where the value at <paramref name="jsonPointer"/> (or its nearest written ancestor) is in the file.</summary>
    public SourceLocation At(string jsonPointer = "")
    {
        while (true)
        {
            if (positions.TryGetValue(jsonPointer, out var mark)) return new SourceLocation(File, (int)mark.Line, (int)mark.Column);
            if (jsonPointer.Length == 0) return SourceLocation.InFile(File);
            jsonPointer = jsonPointer[..jsonPointer.LastIndexOf('/')];
        }
    }

    /// <summary>The value at a JSON pointer of the body ("/spec/path"), or null.</summary>
    public JsonNode? Get(string jsonPointer) =>
        jsonPointer.Length == 0 ? Body : jsonPointer[1..].Split('/').Aggregate((JsonNode?)Body, (node, token) => node switch
        {
            JsonObject o => o[token.Replace("~1", "/").Replace("~0", "~")],
            JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
            _ => null,
        });

    public static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>The elements of an array node with their indexes (for pointers); nothing for anything else.</summary>
    public static IEnumerable<(JsonNode? Item, int Index)> Items(JsonNode? node) =>
        node is JsonArray array ? array.Select((item, index) => (item, index)) : [];
}
