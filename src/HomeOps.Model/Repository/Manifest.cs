using System.Text.Json.Nodes;
using YamlDotNet.Core;

namespace HomeOps.Model.Repository;

/// <summary>
/// One Kubernetes object: as written in Git (its body, identity and where each field sits), or as a
/// build rendered it from such a document (<see cref="Source"/> is then the document as written, and
/// positions are looked up in it).
/// </summary>
public sealed class Manifest(string file, int index, JsonObject body, IReadOnlyDictionary<string, Mark> positions)
{
    private static readonly HashSet<string> None = [];

    public string File { get; } = file;

    /// <summary>0-based position of the document in its file.</summary>
    public int Index { get; } = index;

    public JsonObject Body { get; } = body;

    /// <summary>For a rendered object, the document as written that it was built from; null for a document as written.</summary>
    public Manifest? Source { get; init; }

    /// <summary>Pointers of quoted (or block) scalars holding "${": they stay strings when Flux substitutes them.</summary>
    public IReadOnlySet<string> QuotedVariables { get; init; } = None;

    /// <summary>True when this is the document as written, not an object a build rendered from it.</summary>
    public bool IsAsWritten => Source is null;

    /// <summary>The same document with another body (a build's result): positions and origin stay those of the document as written.</summary>
    public Manifest Rendered(JsonObject rendered) => new(File, Index, rendered, positions) { Source = Source ?? this, QuotedVariables = QuotedVariables };

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
