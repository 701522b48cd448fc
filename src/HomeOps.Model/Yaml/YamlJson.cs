using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Model.Yaml;

/// <summary>
/// Converts between YAML trees and <see cref="JsonNode"/> trees. Machine configs are built,
/// patched and schema-checked as JSON (the schemas are JSON Schema) and written back as YAML.
/// Plain scalars follow the YAML 1.2 core schema, as Go's yaml.v3 (used by Talos) reads them.
/// </summary>
public static class YamlJson
{
    /// <summary>Most nodes one document may expand to: aliases can multiply a small file ("billion laughs").</summary>
    public const int MaxNodes = 1_000_000;

    /// <summary>Converts a YAML tree; throws <see cref="FormatException"/> for non-scalar keys or alias bombs.</summary>
    /// <param name="node">The root of the tree to convert.</param>
    /// <param name="positions">When given, receives the source position of every node, keyed by JSON pointer ("" is the root).</param>
    public static JsonNode? ToJson(YamlNode node, IDictionary<string, Mark>? positions = null)
    {
        var budget = MaxNodes;
        return Convert(node, "", positions, ref budget, 0);
    }

    private static JsonNode? Convert(YamlNode node, string pointer, IDictionary<string, Mark>? positions, ref int budget, int depth)
    {
        if (--budget < 0) throw new FormatException($"the document expands to more than {MaxNodes} nodes (alias bomb?)");
        // The parser caps written nesting; aliases of aliases can still nest deeper once expanded.
        if (depth > YamlDocuments.MaxDepth) throw new FormatException($"nesting deeper than {YamlDocuments.MaxDepth} levels once aliases are expanded");
        if (positions is not null) positions[pointer] = node.Start;
        switch (node)
        {
            case YamlScalarNode scalar:
                return Scalar(scalar);
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var child in sequence.Children)
                    array.Add(Convert(child, positions is null ? "" : $"{pointer}/{array.Count}", positions, ref budget, depth + 1));
                return array;
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    var name = key is YamlScalarNode { Value: { } n } ? n : throw new FormatException($"line {key.Start.Line}: mapping keys must be scalars");
                    obj[name] = Convert(value, positions is null ? "" : $"{pointer}/{Escape(name)}", positions, ref budget, depth + 1);
                }
                return obj;
            default:
                return null;
        }
    }

    /// <summary>JSON pointer token escaping (RFC 6901).</summary>
    public static string Escape(string token) => token.Replace("~", "~0").Replace("/", "~1");

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded
            || scalar.Tag.IsGlobal && scalar.Tag.Value.EndsWith(":str", StringComparison.Ordinal))
            return JsonValue.Create(text);
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return JsonValue.Create(true);
            case "false" or "False" or "FALSE": return JsonValue.Create(false);
        }
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return JsonValue.Create(integer);
        if (text.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex))
            return JsonValue.Create(hex);
        if (LooksNumeric(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
            return JsonValue.Create(real);
        return JsonValue.Create(text);
    }

    private static bool LooksNumeric(string text) =>
        text.Length > 0 && (char.IsDigit(text[0]) || text[0] is '-' or '+' or '.') && text.Any(char.IsDigit)
        && text.All(c => char.IsDigit(c) || c is '.' or 'e' or 'E' or '-' or '+');

    /// <summary>
    /// Writes documents as one YAML stream in the layout Go's yaml.v3 produces (as talosctl and the
    /// image factory do): 4-space indent, sequences indented under their key, "- " items whose
    /// mapping keys align after the dash, "---" between documents. The Image Factory hashes exactly
    /// this layout, so it is written by hand rather than left to an emitter's defaults.
    /// </summary>
    public static string ToYaml(IEnumerable<JsonNode> documents)
    {
        var writer = new StringWriter { NewLine = "\n" };
        var first = true;
        foreach (var document in documents)
        {
            if (!first) writer.Write("---\n");
            first = false;
            WriteBlock(writer, document, 0);
        }
        return writer.ToString();
    }

    private const int Indent = 4;

    /// <summary>Writes a node that starts on a fresh line at <paramref name="indent"/>.</summary>
    private static void WriteBlock(StringWriter w, JsonNode? node, int indent)
    {
        switch (node)
        {
            case JsonObject { Count: > 0 } obj:
                var firstKey = true;
                foreach (var (key, value) in obj)
                {
                    if (!firstKey) w.Write(new string(' ', indent));
                    firstKey = false;
                    w.Write(Scalar(key));
                    w.Write(':');
                    WriteValue(w, value, indent);
                }
                break;
            case JsonArray { Count: > 0 } array:
                var firstItem = true;
                foreach (var item in array)
                {
                    if (!firstItem) w.Write(new string(' ', indent));
                    firstItem = false;
                    w.Write("- ");
                    if (item is JsonObject { Count: > 0 } or JsonArray { Count: > 0 }) WriteBlock(w, item, indent + 2);
                    else { WriteInline(w, item, indent + 2); w.Write('\n'); }
                }
                break;
            default:
                WriteInline(w, node, indent);
                w.Write('\n');
                break;
        }
    }

    /// <summary>Writes what follows "key:" — inline for scalars and empty collections, else a nested block.</summary>
    private static void WriteValue(StringWriter w, JsonNode? value, int indent)
    {
        if (value is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
        {
            w.Write('\n');
            w.Write(new string(' ', indent + Indent));
            WriteBlock(w, value, indent + Indent);
            return;
        }
        w.Write(' ');
        WriteInline(w, value, indent + Indent);
        w.Write('\n');
    }

    private static void WriteInline(StringWriter w, JsonNode? node, int indent)
    {
        switch (node)
        {
            case JsonObject: w.Write("{}"); break;
            case JsonArray: w.Write("[]"); break;
            case JsonValue value when value.TryGetValue<string>(out var text) && text.Contains('\n') && text.TrimEnd('\n').Length > 0 && !text.StartsWith(' ') && !text.Any(c => c is '\u2028' or '\u2029' or '\uFEFF') && !text.Any(c => char.IsControl(c) && c != '\n'):
                var body = text.TrimEnd('\n');
                w.Write(text.EndsWith('\n') ? (text.EndsWith("\n\n") ? "|+" : "|") : "|-");
                foreach (var line in body.Split('\n'))
                {
                    w.Write('\n');
                    if (line.Length > 0) w.Write(new string(' ', indent) + line);
                }
                if (text.EndsWith("\n\n")) w.Write(string.Concat(Enumerable.Repeat("\n", text.Length - text.TrimEnd('\n').Length - 1)));
                break;
            case JsonValue value when value.TryGetValue<string>(out var text): w.Write(Scalar(text)); break;
            case JsonValue value when value.TryGetValue<bool>(out var flag): w.Write(flag ? "true" : "false"); break;
            case JsonValue value: w.Write(value.ToJsonString()); break;
            default: w.Write("null"); break;
        }
    }

    /// <summary>
    /// Plain style where YAML allows it (as go-yaml writes), double quotes where a plain scalar
    /// would read back as another type (true, 1.10, null) or break block syntax.
    /// </summary>
    private static string Scalar(string text)
    {
        var readsAsString = Scalar(new YamlScalarNode(text)) is JsonValue v && v.TryGetValue<string>(out _);
        var ambiguous = text.Length == 0 || !readsAsString || Yaml11Bool(text)
                        || "-?:,[]{}#&*!|>'\"%@`".Contains(text[0])
                        || text.Contains(": ", StringComparison.Ordinal) || text.Contains(" #", StringComparison.Ordinal)
                        || text.EndsWith(':') || char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1])
                        || text.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029' or '\uFEFF' || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format);
        return ambiguous ? DoubleQuoted(text) : text;
    }

    /// <summary>YAML 1.1 booleans: Go's encoders quote them (go-yaml isOldBool) so YAML 1.1 readers (PyYAML, yaml.v2) keep them strings.</summary>
    private static bool Yaml11Bool(string text) =>
        text is "y" or "Y" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "n" or "N" or "no" or "No" or "NO" or "off" or "Off" or "OFF";

    /// <summary>YAML double quotes, escaping only what YAML requires; other Unicode stays as UTF-8 (libyaml rejects surrogate escapes).</summary>
    private static string DoubleQuoted(string text)
    {
        var b = new System.Text.StringBuilder("\"");
        foreach (var rune in text.EnumerateRunes())
        {
            var c = rune.Value;
            b.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                _ when c < 0x20 || c == 0x7F || c is 0x2028 or 0x2029 or 0xFEFF || System.Text.Rune.GetUnicodeCategory(rune) == System.Globalization.UnicodeCategory.Format
                    => c <= 0xFFFF ? $"\\u{c:X4}" : $"\\U{c:X8}",
                _ => rune.ToString(),
            });
        }
        return b.Append('"').ToString();
    }
}
