using System.Text.Json.Nodes;
using HomeOps.Model;
using HomeOps.Model.Yaml;

namespace HomeOps.Compile.Talos.Lines;

/// <summary>
/// One field of a Talos config struct: its YAML key, its Go field name (v1alpha1 only) and its type: a struct, "[T]" or "{T}",
/// "string" or "bool" (scalars Go's YAML decoder reads specially, see <see cref="PatchDecoder"/>), or null (anything else).
/// </summary>
public sealed record ConfigField(string Yaml, string Go, string? Type);

/// <summary>
/// The shape of every Talos config document (Talos/Lines/types.yaml): the field order of each struct, which is the key
/// order Talos' encoder writes, and the Go field names of v1alpha1 (what talhelper's Go templates address).
/// Objects that are not structs (maps, Unstructured) are written with their keys sorted, as Go's YAML encoder sorts map keys.
/// </summary>
public sealed class ConfigTypes
{
    private readonly Dictionary<string, string> _roots;
    private readonly Dictionary<string, IReadOnlyList<ConfigField>> _types;

    private ConfigTypes(Dictionary<string, string> roots, Dictionary<string, IReadOnlyList<ConfigField>> types) =>
        (_roots, _types) = (roots, types);

    private static readonly Lazy<ConfigTypes> Loaded = new(() =>
    {
        using var stream = typeof(ConfigTypes).Assembly.GetManifestResourceStream("talos-lines/types.yaml")
            ?? throw new InvalidOperationException("Talos/Lines/types.yaml is not embedded");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    });

    public static ConfigTypes Talos => Loaded.Value;

    internal static ConfigTypes Parse(string text)
    {
        var findings = new FindingBag();
        var root = YamlJson.ToJson(YamlDocuments.Parse(text, "types.yaml", findings)[0].RootNode)!.AsObject();
        var roots = root["roots"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal);
        var types = new Dictionary<string, IReadOnlyList<ConfigField>>(StringComparer.Ordinal);
        foreach (var (name, fields) in root["types"]!.AsObject())
            types[name] = fields!.AsArray().Select(f => f!.AsArray()).Select(f => new ConfigField(
                f[0]!.GetValue<string>(), f[1]!.GetValue<string>(), f.Count > 2 ? f[2]!.GetValue<string>() : null)).ToList();
        return new ConfigTypes(roots, types);
    }

    /// <summary>The struct type of a document: "v1alpha1.Config" for the machine config (no kind), else by kind.</summary>
    public string? RootType(JsonObject document) =>
        RootTypeOfKind(document["kind"] is JsonValue k && k.TryGetValue<string>(out var kind) ? kind : null);

    /// <summary>The struct type of a document of <paramref name="kind"/> (null: the v1alpha1 machine config).</summary>
    public string? RootTypeOfKind(string? kind) => _roots.GetValueOrDefault(kind ?? "v1alpha1");

    /// <summary>Whether <paramref name="type"/> is a struct this file describes (not a scalar kind).</summary>
    public bool IsStruct([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? type) => type is not null && _types.ContainsKey(type);

    public IReadOnlyList<ConfigField>? Fields(string type) => _types.GetValueOrDefault(type);

    /// <summary>The field of <paramref name="type"/> whose Go name is <paramref name="goName"/> (v1alpha1 structs).</summary>
    public ConfigField? ByGoName(string type, string goName) => Fields(type)?.FirstOrDefault(f => f.Go == goName);

    public ConfigField? ByYaml(string type, string yaml) => Fields(type)?.FirstOrDefault(f => f.Yaml == yaml);

    /// <summary>The type a field's value has: "T" for a struct, "[T]" for a list of it, "{T}" for a map of it; null for anything else.</summary>
    public static (string? Struct, char Shape) Shape(string? type) => type switch
    {
        null => (null, ' '),
        ['[', .. var inner, ']'] => (inner, '['),
        ['{', .. var inner, '}'] => (inner, '{'),
        _ => (type, ' '),
    };

    /// <summary>Rewrites <paramref name="document"/> in place into Talos' key order.</summary>
    public void Order(JsonObject document) => Order(document, RootType(document));

    private void Order(JsonNode? node, string? type)
    {
        switch (node)
        {
            case JsonObject obj when type is not null && _types.TryGetValue(type, out var fields):
                var entries = obj.ToList();
                obj.Clear();
                foreach (var field in fields)
                {
                    var index = entries.FindIndex(e => e.Key == field.Yaml);
                    if (index < 0) continue;
                    var (key, value) = entries[index];
                    entries.RemoveAt(index);
                    Value(value, field.Type);
                    obj[key] = value;
                }
                foreach (var (key, value) in entries) // not a field of this struct: left in place for the schema check to report
                {
                    Order(value, null);
                    obj[key] = value;
                }
                break;
            case JsonObject obj:
                var sorted = obj.OrderBy(p => p.Key, GoKeyOrder.Instance).ToList();
                obj.Clear();
                foreach (var (key, value) in sorted)
                {
                    Order(value, null);
                    obj[key] = value;
                }
                break;
            case JsonArray array:
                foreach (var item in array) Order(item, null);
                break;
        }
    }

    private void Value(JsonNode? value, string? type)
    {
        var (inner, shape) = Shape(type);
        switch (shape, value)
        {
            case ('[', JsonArray list):
                foreach (var item in list) Order(item, inner);
                break;
            case ('{', JsonObject map):
                var sorted = map.OrderBy(p => p.Key, GoKeyOrder.Instance).ToList();
                map.Clear();
                foreach (var (key, child) in sorted)
                {
                    Order(child, inner);
                    map[key] = child;
                }
                break;
            default:
                Order(value, inner);
                break;
        }
    }
}
