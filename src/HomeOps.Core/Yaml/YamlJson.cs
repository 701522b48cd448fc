using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Core.Yaml;

/// <summary>
/// Converts between YAML trees and <see cref="JsonNode"/> trees. Machine configs are built,
/// patched and schema-checked as JSON (the schemas are JSON Schema) and written back as YAML.
/// Plain scalars follow the YAML 1.2 core schema, as Go's yaml.v3 (used by Talos) reads them.
/// </summary>
public static class YamlJson
{
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlScalarNode scalar => Scalar(scalar),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlMappingNode mapping => Mapping(mapping),
        _ => null,
    };

    private static JsonObject Mapping(YamlMappingNode mapping)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in mapping.Children)
            obj[((YamlScalarNode)key).Value ?? ""] = ToJson(value);
        return obj;
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
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
    /// image factory do): 4-space indent, sequences indented under their key, "---" between documents.
    /// </summary>
    public static string ToYaml(IEnumerable<JsonNode> documents)
    {
        var writer = new StringWriter { NewLine = "\n" };
        var settings = new EmitterSettings(bestIndent: 4, bestWidth: int.MaxValue, isCanonical: false,
            maxSimpleKeyLength: 1024, skipAnchorName: false, indentSequences: true);
        var emitter = new Emitter(writer, settings);
        emitter.Emit(new StreamStart());
        var first = true;
        foreach (var document in documents)
        {
            emitter.Emit(new DocumentStart(null, null, isImplicit: first));
            first = false;
            Emit(emitter, document);
            emitter.Emit(new DocumentEnd(isImplicit: true));
        }
        emitter.Emit(new StreamEnd());
        return writer.ToString();
    }

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                emitter.Emit(new MappingStart(null, null, false, obj.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in obj)
                {
                    emitter.Emit(PlainOrQuoted(key));
                    Emit(emitter, value);
                }
                emitter.Emit(new MappingEnd());
                break;
            case JsonArray array:
                emitter.Emit(new SequenceStart(null, null, false, array.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in array) Emit(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            case JsonValue value when value.TryGetValue<string>(out var text):
                emitter.Emit(text.Contains('\n')
                    ? new Scalar(null, null, text, ScalarStyle.Literal, false, true)
                    : PlainOrQuoted(text));
                break;
            case JsonValue value when value.TryGetValue<bool>(out var flag):
                emitter.Emit(new Scalar(flag ? "true" : "false"));
                break;
            case JsonValue value:
                emitter.Emit(new Scalar(value.ToJsonString()));
                break;
            default:
                emitter.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, true, false));
                break;
        }
    }

    /// <summary>
    /// Plain style where YAML allows it (as talosctl writes), double quotes where a plain scalar
    /// would read back as another type (true, 1.10, null) or break block syntax.
    /// </summary>
    private static Scalar PlainOrQuoted(string text)
    {
        var readsAsString = Scalar(new YamlScalarNode(text)) is JsonValue v && v.TryGetValue<string>(out _);
        var ambiguous = text.Length == 0 || !readsAsString
                        || "-?:,[]{}#&*!|>'\"%@`".Contains(text[0])
                        || text.Contains(": ", StringComparison.Ordinal) || text.Contains(" #", StringComparison.Ordinal)
                        || text.EndsWith(':') || char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1])
                        || text.Any(char.IsControl);
        return ambiguous
            ? new Scalar(null, null, text, ScalarStyle.DoubleQuoted, false, true)
            : new Scalar(null, null, text, ScalarStyle.Plain, true, false);
    }
}
