using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HomeOps.Compile.Talos.Lines;
using HomeOps.Model;
using HomeOps.Model.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Compile.Talos;

/// <summary>
/// Reads a patch as Talos reads it: configpatcher decodes a strategic-merge patch into the config's Go types with
/// go.yaml.in/yaml/v4 (gopkg.in/yaml.v3 before 1.12; same rules), so what a plain scalar means depends on the field it lands in:
/// <list type="bullet">
/// <item>a string field (and each value of a map[string]string such as sysctls or extraArgs) takes the scalar as written:
/// <c>net.core.bpf_jit_harden: 1</c> is "1", <c>enable-aggregator-routing: true</c> is "true";</item>
/// <item>a bool field also takes YAML 1.1's y/yes/on and n/no/off;</item>
/// <item>anything else resolves as the YAML resolver does (internal/libyaml/resolver.go): true/false, null forms, integers by
/// Go's strconv.ParseInt(s, 0, 64) after removing '_' — so 0644 and 0o644 are both octal 420, 0x1F hex, 0b101 binary —
/// then floats.</item>
/// </list>
/// JSON Patch (RFC 6902) lists are decoded untyped (map[string]any), so only the resolver applies.
/// One difference by design: a number with a leading 0 and a digit 8 or 9 (0999) is a float to Go (the decimal 999); for a
/// field that is not a string homeops reports it, since it is always a mistyped octal file mode.
/// </summary>
/// <param name="file">The file the YAML was read from, for positions.</param>
/// <param name="findings">Receives the mistyped octal numbers.</param>
/// <param name="at">Where to report instead, when the YAML is a string inside another file (an inline patch).</param>
public sealed partial class PatchDecoder(string file, FindingBag findings, SourceLocation? at = null)
{
    /// <summary>Converts one patch document, recording each node's position (JSON pointer → mark) when asked.</summary>
    public JsonNode? ToJson(YamlNode node, IDictionary<string, Mark>? positions = null)
    {
        var budget = YamlJson.MaxNodes;
        var type = node is YamlMappingNode mapping ? ConfigTypes.Talos.RootTypeOfKind(Kind(mapping)) : null;
        return Convert(node, type, "", positions, ref budget, 0);
    }

    private static string? Kind(YamlMappingNode mapping) =>
        mapping.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: "kind" }).Value is YamlScalarNode { Value: { } kind } ? kind : null;

    private JsonNode? Convert(YamlNode node, string? type, string pointer, IDictionary<string, Mark>? positions, ref int budget, int depth)
    {
        if (--budget < 0) throw new FormatException($"the document expands to more than {YamlJson.MaxNodes} nodes (alias bomb?)");
        if (depth > YamlDocuments.MaxDepth) throw new FormatException($"nesting deeper than {YamlDocuments.MaxDepth} levels once aliases are expanded");
        positions?[pointer] = node.Start;
        var (inner, shape) = ConfigTypes.Shape(type);
        switch (node)
        {
            case YamlScalarNode scalar:
                return Scalar(scalar, type);
            case YamlSequenceNode sequence:
                // a list of T; a string slot holding a list is v1.13's Args value (a string or a list of strings)
                var itemType = shape == '[' ? inner : type == "string" ? "string" : null;
                var array = new JsonArray();
                foreach (var child in sequence.Children)
                    array.Add(Convert(child, itemType, positions is null ? "" : $"{pointer}/{array.Count}", positions, ref budget, depth + 1));
                return array;
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    var name = key is YamlScalarNode { Value: { } n } ? n : throw new FormatException($"line {key.Start.Line}: mapping keys must be scalars");
                    var valueType = shape == '{' ? inner : ConfigTypes.Talos.IsStruct(type) ? ConfigTypes.Talos.ByYaml(type!, name)?.Type : null;
                    obj[name] = Convert(value, valueType, positions is null ? "" : $"{pointer}/{YamlJson.Escape(name)}", positions, ref budget, depth + 1);
                }
                return obj;
            default:
                return null;
        }
    }

    private JsonValue? Scalar(YamlScalarNode scalar, string? type)
    {
        var text = scalar.Value ?? "";
        var plain = scalar.Style is not (ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
                    && !(scalar.Tag.IsGlobal && scalar.Tag.Value.EndsWith(":str", StringComparison.Ordinal));
        if (type == "bool" && Yaml11Bool(text) is { } flag) return JsonValue.Create(flag);
        if (!plain) return JsonValue.Create(text);
        var resolved = Resolve(scalar);
        if (type == "string") return resolved is null ? null : JsonValue.Create(text);
        if (resolved?.GetValueKind() == System.Text.Json.JsonValueKind.Number && MistypedOctal().IsMatch(text))
            findings.Add(Finding.Error("talos/patch", at ?? new SourceLocation(file, (int)scalar.Start.Line, (int)scalar.Start.Column),
                $"{text} is not an octal number: Go reads a leading 0 as octal, and 8 and 9 are not octal digits, so Talos would take the decimal {text.TrimStart('0', '+', '-')}",
                "write the octal mode with digits 0-7, e.g. 0o644 (or 0644)"));
        return resolved;
    }

    /// <summary>What go-yaml's resolver makes of a plain scalar, as JSON (infinities and NaN stay text: JSON has none).</summary>
    private static JsonValue? Resolve(YamlScalarNode scalar) => GoYamlValues.Scalar(scalar) switch
    {
        null => null,
        bool flag => JsonValue.Create(flag),
        long integer => JsonValue.Create(integer),
        double real when double.IsFinite(real) => JsonValue.Create(real),
        var other => JsonValue.Create(other as string ?? scalar.Value ?? ""),
    };

    private static bool? Yaml11Bool(string text) => text switch
    {
        "y" or "Y" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" => true,
        "n" or "N" or "no" or "No" or "NO" or "off" or "Off" or "OFF" => false,
        _ => null,
    };

    [GeneratedRegex(@"^[-+]?0[0-9]*[89][0-9]*$")]
    private static partial Regex MistypedOctal();
}
