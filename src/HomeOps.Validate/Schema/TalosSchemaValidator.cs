using System.Text.Json.Nodes;
using HomeOps.Compile.Talos;
using HomeOps.Compile.Talos.Lines;
using HomeOps.Model;
using Json.Schema;

namespace HomeOps.Validate.Schema;

/// <summary>Validates machine-config documents against the official Talos JSON schema of their Talos line.</summary>
public sealed class TalosSchemaValidator
{
    private readonly JsonSchema? _root;
    private readonly Dictionary<string, JsonSchema> _byKind = new(StringComparer.Ordinal);
    private readonly SchemaCheck _schemas = new();
    private readonly HashSet<string> _registered = new(StringComparer.Ordinal);

    public string Origin { get; }
    public bool Available => _root is not null;

    /// <summary>Why the schema could not be used although a source had one (TLS, redirect, size; <see cref="SchemaSourceException"/>): an error, not a skip.</summary>
    public string? Error { get; }

    public TalosSchemaValidator(ISchemaSource source, string talosLine)
    {
        var relative = $"talos/{talosLine}/config.schema.json";
        string? text;
        try { (text, Origin) = source.Find(relative); }
        catch (SchemaSourceException e)
        {
            (text, Origin, Error) = (null, relative, e.Message);
        }
        if (text is not null && TalosLines.All.FirstOrDefault(l => l.Name == talosLine) is { } line)
        {
            text = WithErrata(text, line);
            _registered.UnionWith(line.DocumentKinds);
        }
        if (text is null) return;
        _root = _schemas.Register(text, new Uri($"https://talos.dev/{talosLine}/schemas/config.schema.json"));
        var id = _root.BaseUri.ToString();
        foreach (var (definition, kind) in Kinds(JsonNode.Parse(text)))
            _byKind[kind] = _schemas.Reference($"{id}#/$defs/{definition}");
    }

    /// <summary>The schema with the definitions the line's data file corrects (schemaErrata) replaced.</summary>
    private static string WithErrata(string text, TalosLine line)
    {
        if (line.SchemaErrata.Count == 0) return text;
        var schema = JsonNode.Parse(text)!;
        foreach (var erratum in line.SchemaErrata.Values)
        {
            if (schema["$defs"]?[erratum.Definition] is not JsonObject) throw new InvalidOperationException($"{line.File}: schemaErrata names {erratum.Definition}, which its schema does not define");
            schema["$defs"]![erratum.Definition] = erratum.Replace.DeepClone();
        }
        return schema.ToJsonString();
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
        if (!_byKind.TryGetValue(kind, out var schema) && _registered.Contains(kind))
            return; // Talos registers the kind but its published schema lacks it (the line file says which): nothing to check against
        if (schema is null)
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
