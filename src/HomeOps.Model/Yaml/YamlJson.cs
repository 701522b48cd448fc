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

    /// <summary>
    /// Converts a YAML tree; throws <see cref="YamlConversionException"/> (a <see cref="FormatException"/>
    /// with the position) for non-scalar keys, alias bombs, aliases that contain themselves and merge
    /// keys whose value is not a mapping. Merge keys (<c>&lt;&lt;: *anchor</c>, also tagged <c>!!merge</c>)
    /// are expanded as Go's yaml.v3 and kustomize's kyaml do: keys written in the mapping win over merged
    /// ones, and in a list of merged mappings the earlier mapping wins.
    /// </summary>
    /// <param name="node">The root of the tree to convert.</param>
    /// <param name="positions">When given, receives the source position of every node, keyed by JSON pointer ("" is the root).</param>
    /// <param name="quotedVariables">
    /// When given, receives the pointers of quoted or block scalars that hold "${": Flux substitutes variables in
    /// the YAML text, so a plain <c>${N}</c> becomes a number and a quoted one stays a string.
    /// </param>
    public static JsonNode? ToJson(YamlNode node, IDictionary<string, Mark>? positions = null, ISet<string>? quotedVariables = null) =>
        new Conversion(positions, quotedVariables).Convert(node, "", 0);

    /// <summary>One document's conversion: where positions go, and the expansion budget it has left.</summary>
    private sealed class Conversion(IDictionary<string, Mark>? positions, ISet<string>? quotedVariables)
    {
        private int _budget = MaxNodes;
        private readonly HashSet<YamlNode> _open = new(ReferenceEqualityComparer.Instance);

        public JsonNode? Convert(YamlNode node, string pointer, int depth, IDictionary<string, Mark>? at = null)
        {
            at ??= positions;
            Spend(node);
            // The parser caps written nesting; aliases of aliases can still nest deeper once expanded.
            if (depth > YamlDocuments.MaxDepth) throw new YamlConversionException($"nesting deeper than {YamlDocuments.MaxDepth} levels once aliases are expanded", node.Start);
            if (at is not null) at[pointer] = node.Start;
            switch (node)
            {
                case YamlScalarNode scalar:
                    var value = Scalar(scalar);
                    if (quotedVariables is not null && scalar.Style != ScalarStyle.Plain && scalar.Value?.Contains("${", StringComparison.Ordinal) == true)
                        quotedVariables.Add(pointer);
                    return value;
                case YamlSequenceNode sequence:
                    Enter(node);
                    var array = new JsonArray();
                    foreach (var child in sequence.Children)
                        array.Add(Convert(child, at is null && quotedVariables is null ? "" : $"{pointer}/{array.Count}", depth + 1, at));
                    _open.Remove(node);
                    return array;
                case YamlMappingNode mapping:
                    Enter(node);
                    var obj = new JsonObject();
                    Fill(obj, mapping, pointer, depth, at);
                    _open.Remove(node);
                    return obj;
                default:
                    return null;
            }
        }

        private void Spend(YamlNode node)
        {
            if (--_budget < 0) throw new YamlConversionException($"the document expands to more than {MaxNodes} nodes (alias bomb?)", node.Start);
        }

        /// <summary>Adds a mapping's keys to <paramref name="obj"/>: its own keys first, then those its merge key brings that are not there yet.</summary>
        private void Fill(JsonObject obj, YamlMappingNode mapping, string pointer, int depth, IDictionary<string, Mark>? at)
        {
            YamlNode? merge = null;
            foreach (var (key, value) in mapping.Children)
            {
                if (IsMergeKey(key))
                {
                    merge = value; // as in yaml.v3, the last merge key of a mapping is the one used
                    continue;
                }
                var name = key is YamlScalarNode { Value: { } n } ? n : throw new YamlConversionException("mapping keys must be scalars", key.Start);
                obj[name] = Convert(value, at is null && quotedVariables is null ? "" : $"{pointer}/{Escape(name)}", depth + 1, at);
            }
            if (merge is null) return;
            var sources = merge switch
            {
                YamlMappingNode single => [single],
                YamlSequenceNode list when list.Children.All(c => c is YamlMappingNode) => list.Children.Cast<YamlMappingNode>().ToList(),
                _ => throw new YamlConversionException("a merge key (<<) needs a mapping or a list of mappings as its value", merge.Start),
            };
            foreach (var source in sources)
            {
                Spend(source);
                Enter(source);
                var merged = new JsonObject();
                // merged keys keep the positions where the anchored mapping wrote them
                var mergedAt = at is null ? null : new Dictionary<string, Mark>(StringComparer.Ordinal);
                Fill(merged, source, pointer, depth, mergedAt);
                _open.Remove(source);
                foreach (var (name, value) in merged.ToList())
                {
                    if (obj.ContainsKey(name)) continue;
                    merged.Remove(name);
                    obj[name] = value;
                    if (at is null) continue;
                    var prefix = $"{pointer}/{Escape(name)}";
                    foreach (var (where, mark) in mergedAt!)
                        if (where == prefix || where.StartsWith(prefix + "/", StringComparison.Ordinal)) at[where] = mark;
                }
            }
        }

        /// <summary>Refuses an alias that refers to a node containing it: expanding it would never end.</summary>
        private void Enter(YamlNode node)
        {
            if (!_open.Add(node))
                throw new YamlConversionException($"an alias refers to the {(node is YamlSequenceNode ? "list" : "mapping")} that contains it (the anchor at line {node.Start.Line}); expanding it would never end", node.Start);
        }
    }

    /// <summary>A plain "&lt;&lt;" key, or one tagged !!merge (quoted "&lt;&lt;" is an ordinary key).</summary>
    private static bool IsMergeKey(YamlNode key) =>
        key is YamlScalarNode { Value: "<<" } scalar
        && (!scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific ? scalar.Tag.Value == "tag:yaml.org,2002:merge" : scalar.Style == ScalarStyle.Plain);

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
        if (GoInteger(text) is { } integer)
            return JsonValue.Create(integer);
        if (LooksNumeric(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
            return JsonValue.Create(real);
        return JsonValue.Create(text);
    }

    /// <summary>
    /// An integer as yaml.v3 resolves a plain scalar (resolve.go: underscores dropped, then Go's
    /// strconv.ParseInt with base 0): decimal, 0x hex, 0o or 0b, and a leading 0 meaning octal as in
    /// YAML 1.1 (so file modes like 0644 are 420, as kubectl and Flux read them).
    /// </summary>
    private static long? GoInteger(string text)
    {
        if (text.Length == 0 || !(char.IsAsciiDigit(text[0]) || text[0] is '-' or '+')) return null;
        var plain = text.Replace("_", "", StringComparison.Ordinal);
        var negative = plain.StartsWith('-');
        var digits = plain.TrimStart('-', '+');
        if (plain.Length - digits.Length > 1 || digits.Length == 0) return null;
        var (radix, body) = digits.Length > 1 && digits[0] == '0'
            ? char.ToLowerInvariant(digits[1]) switch
            {
                'x' => (16, digits[2..]),
                'o' => (8, digits[2..]),
                'b' => (2, digits[2..]),
                _ => (8, digits[1..]),
            }
            : (10, digits);
        if (body.Length == 0) return null;
        long value = 0;
        foreach (var c in body)
        {
            var digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? char.ToLowerInvariant(c) - 'a' + 10 : 99;
            if (digit >= radix) return null;
            try { value = checked(value * radix + digit); }
            catch (OverflowException) { return null; }
        }
        return negative ? -value : value;
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
