using System.Text.Json.Nodes;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using Json.Schema;

namespace HomeOps.Validate.Schema;

/// <summary>Validates machine-config documents against the official Talos JSON schema of their Talos line.</summary>
public sealed class TalosSchemaValidator
{
    private readonly JsonSchema? _root;
    private readonly Dictionary<string, JsonSchema> _byKind = new(StringComparer.Ordinal);
    private readonly SchemaCheck _schemas = new();

    public string Origin { get; }
    public bool Available => _root is not null;

    public TalosSchemaValidator(ISchemaSource source, string talosLine)
    {
        var relative = $"talos/{talosLine}/config.schema.json";
        var (text, origin) = source.Find(relative);
        Origin = origin;
        if (text is null) return;
        _root = _schemas.Register(text, new Uri($"https://talos.dev/{talosLine}/schemas/config.schema.json"));
        var id = _root.BaseUri.ToString();
        foreach (var (definition, kind) in Kinds(JsonNode.Parse(text)))
            _byKind[kind] = _schemas.Reference($"{id}#/$defs/{definition}");
    }

    /// <summary>Maps each top-level document kind to its $defs entry; the v1alpha1 document has no kind.</summary>
    private static IEnumerable<(string Definition, string Kind)> Kinds(JsonNode? schema)
    {
        foreach (var reference in schema?["oneOf"]?.AsArray() ?? [])
        {
            var definition = reference?["$ref"]?.GetValue<string>().Split('/')[^1];
            if (definition is null) continue;
            var kind = schema?["$defs"]?[definition]?["properties"]?["kind"]?["enum"]?[0]?.GetValue<string>() ?? "v1alpha1";
            yield return (definition, kind);
        }
    }

    /// <summary>Every rendered node's documents, as the schema should see them.</summary>
    public void Validate(TalosRender render, FindingBag findings)
    {
        foreach (var node in render.Nodes)
            foreach (var document in node.SchemaDocuments) Validate(document, node.Path, findings);
    }

    public void Validate(JsonObject document, string file, FindingBag findings)
    {
        if (_root is null) return;
        var kind = document["kind"] is JsonValue k && k.TryGetValue<string>(out var named) ? named : document["kind"] is null ? "v1alpha1" : "(not a string)";
        if (!_byKind.TryGetValue(kind, out var schema))
        {
            findings.Add(Finding.Error("schema/talos", SourceLocation.InFile(file), $"unknown Talos document kind '{kind}'",
                $"known kinds: {string.Join(", ", _byKind.Keys.Order(StringComparer.Ordinal))}"));
            return;
        }
        foreach (var error in SchemaCheck.Evaluate(schema, document))
            findings.Add(Finding.Error("schema/talos", SourceLocation.InFile(file),
                $"{kind}{(error.InstancePath.Length == 0 ? "" : " " + error.InstancePath)}: {error.Message}",
                "compare with the Talos configuration reference for this version; fix the talconfig field or patch that sets it"));
    }
}
