using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace HomeOps.Compile.Talos;

/// <summary>
/// Fills a line file's gen-config template: a string that is exactly "${name}" takes the value (a list or object as well;
/// no value leaves the key out), "${name}" inside a longer string is replaced by text.
/// </summary>
public static partial class LineTemplate
{
    [GeneratedRegex(@"\$\{([A-Za-z0-9_.]+)\}")]
    private static partial Regex Placeholder();

    public static JsonNode? Fill(JsonNode? template, IReadOnlyDictionary<string, JsonNode?> values)
    {
        switch (template)
        {
            case JsonObject o:
                var result = new JsonObject();
                foreach (var (key, child) in o)
                {
                    if (child is JsonValue v && v.TryGetValue<string>(out var whole) && Whole(whole) is { } name)
                    {
                        var value = Lookup(values, name);
                        if (value is not null) result[key] = value.DeepClone();
                        continue;
                    }
                    result[key] = Fill(child, values);
                }
                return result;
            case JsonArray a:
                return new JsonArray(a.Select(item => Fill(item, values)).ToArray());
            case JsonValue v when v.TryGetValue<string>(out var text) && text.Contains("${", StringComparison.Ordinal):
                return Placeholder().Replace(text, m => Lookup(values, m.Groups[1].Value)?.ToString() ?? "");
            default:
                return template?.DeepClone();
        }
    }

    private static string? Whole(string text) => Placeholder().Match(text) is { Success: true } m && m.Value == text ? m.Groups[1].Value : null;

    private static JsonNode? Lookup(IReadOnlyDictionary<string, JsonNode?> values, string name) =>
        values.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"a Talos line template uses ${{{name}}}, which the generator does not provide");
}
