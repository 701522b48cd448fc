using System.Text.Json;

namespace HomeOps.Adapters;

/// <summary>Reading tools' and the API's JSON answers by property path, tolerant of missing steps.</summary>
internal static class JsonElementPaths
{
    /// <summary>The value at a property path, or an Undefined element when any step is missing.</summary>
    public static JsonElement At(this JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element)) return default;
        }
        return element;
    }

    public static string Text(this JsonElement element, params string[] path) =>
        element.At(path) is { ValueKind: JsonValueKind.String } s ? s.GetString()! : "";

    /// <summary>A number, also when written as a string (Longhorn's spec.size is an int64 string).</summary>
    public static long Number(this JsonElement element, params string[] path) => element.At(path) switch
    {
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt64(out var v) => v,
        { ValueKind: JsonValueKind.String } s when long.TryParse(s.GetString(), out var v) => v,
        _ => 0,
    };

    public static IEnumerable<JsonElement> Array(this JsonElement element, params string[] path) =>
        element.At(path) is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray() : [];

    public static IEnumerable<JsonProperty> Map(this JsonElement element, params string[] path) =>
        element.At(path) is { ValueKind: JsonValueKind.Object } o ? o.EnumerateObject() : [];

    /// <summary>The condition of <paramref name="type"/> in a status.conditions-style array: (status is "True", reason, message); Found false when absent.</summary>
    public static (bool Found, bool True, string Reason, string Message) Condition(this IEnumerable<JsonElement> conditions, string type)
    {
        foreach (var c in conditions)
            if (c.Text("type") == type) return (true, c.Text("status") == "True", c.Text("reason"), c.Text("message"));
        return (false, false, "", "");
    }
}
