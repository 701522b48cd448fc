using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace HomeOps.Compile.Talhelper.Templates;

/// <summary>How Go's text/template sees values: printing (fmt.Sprint), truth, iteration, and conversion from JSON.</summary>
public static class TemplateValues
{
    /// <summary>fmt.Sprint of a value, as text/template prints an action's result.</summary>
    public static string Print(object? value) => value switch
    {
        null => "<no value>",
        string s => s,
        bool b => b ? "true" : "false",
        long or int => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        double d => FormatFloat(d),
        ITemplateObject o => o.ToString() ?? o.TypeName,
        IReadOnlyDictionary<string, object?> map => "map[" + string.Join(' ', map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{Inner(p.Value)}")) + "]",
        IEnumerable list => "[" + string.Join(' ', list.Cast<object?>().Select(Inner)) + "]",
        _ => value.ToString() ?? "",
    };

    private static string Inner(object? value) => value is null ? "<nil>" : Print(value);

    /// <summary>fmt's %v of a float64: strconv.FormatFloat(f, 'g', -1, 64).</summary>
    public static string FormatFloat(double d) =>
        double.IsPositiveInfinity(d) ? "+Inf" : double.IsNegativeInfinity(d) ? "-Inf" : double.IsNaN(d) ? "NaN" : Talos.GoYaml.GoFloat(d);

    /// <summary>text/template's truth: false, 0, nil, and empty strings, lists and maps are false.</summary>
    public static bool Truth(object? value) => value switch
    {
        null => false,
        bool b => b,
        string s => s.Length > 0,
        long l => l != 0,
        int i => i != 0,
        double d => d != 0,
        ITemplateObject => true,
        IReadOnlyDictionary<string, object?> map => map.Count > 0,
        ICollection c => c.Count > 0,
        _ => true,
    };

    /// <summary>The (key, value) pairs range walks: index and item of a list, sorted key and value of a map; null otherwise.</summary>
    public static IReadOnlyList<(object? Key, object? Value)>? Items(object? value) => value switch
    {
        null => [],
        IReadOnlyDictionary<string, object?> map => map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => ((object?)p.Key, p.Value)).ToList(),
        string => null,
        IEnumerable list => list.Cast<object?>().Select((v, i) => ((object?)(long)i, v)).ToList(),
        long n => Enumerable.Range(0, (int)Math.Max(0, n)).Select(i => ((object?)(long)i, (object?)(long)i)).ToList(),
        _ => null,
    };

    public static string TypeName(object? value) => value switch
    {
        null => "<nil>",
        string => "string",
        bool => "bool",
        long or int => "int",
        double => "float64",
        ITemplateObject o => o.TypeName,
        IReadOnlyDictionary<string, object?> => "map[string]interface {}",
        IEnumerable => "[]interface {}",
        _ => value.GetType().Name,
    };

    /// <summary>Plain template data from a JSON tree (objects become maps, numbers long or double).</summary>
    public static object? FromJson(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => FromJson(p.Value), StringComparer.Ordinal) as IReadOnlyDictionary<string, object?>,
        JsonArray a => a.Select(FromJson).ToList(),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<int>(out var i) => (long)i,
        JsonValue v when v.TryGetValue<double>(out var d) => d == Math.Floor(d) && Math.Abs(d) < 1e15 && v.ToJsonString().IndexOfAny(['.', 'e', 'E']) < 0 ? (long)d : d,
        _ => node.ToJsonString(),
    };

    internal static string Join(IEnumerable<object?> items, string separator)
    {
        var b = new StringBuilder();
        var first = true;
        foreach (var item in items)
        {
            if (!first) b.Append(separator);
            first = false;
            b.Append(item is null ? "" : Print(item));
        }
        return b.ToString();
    }
}
