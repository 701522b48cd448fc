using System.Text.Json.Nodes;
using HomeOps.Model.Repository;

namespace HomeOps.Validate.Rules.Crds;

/// <summary>One kind of a CRD group a chart renders when all of <see cref="When"/> hold.</summary>
public sealed record ChartRender(string Kind, string Group, string Name, IReadOnlyList<string> When, bool Guarded);

/// <summary>What one chart installs (CRD groups) and renders (objects of CRD kinds), per chart-crds.json.</summary>
public sealed record ChartCrdFacts(IReadOnlyList<string> Provides, IReadOnlyList<string> ProvidesWhen, IReadOnlyDictionary<string, JsonNode?> Defaults, IReadOnlyList<ChartRender> Renders)
{
    /// <summary>A value path of the merged values, else the chart's default from the table.</summary>
    public bool Holds(JsonObject values, string path)
    {
        JsonNode? node = values;
        foreach (var key in path.Split('.')) node = node is JsonObject o && o.TryGetPropertyValue(key, out var child) ? child : null;
        node ??= Defaults.GetValueOrDefault(path);
        return node switch
        {
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            JsonValue v when Manifest.Text(v) is { } s => s is "true" or "True",
            JsonArray a => a.Count > 0,
            JsonObject o => o.Count > 0,
            _ => false,
        };
    }

    public IEnumerable<string> ProvidedWith(JsonObject values) => ProvidesWhen.Count == 0 || ProvidesWhen.Any(p => Holds(values, p)) ? Provides : [];

    public IEnumerable<ChartRender> RenderedWith(JsonObject values) => Renders.Where(r => r.When.All(p => Holds(values, p)));
}

/// <summary>chart-crds.json: per chart, the CRD groups it installs and the values that make it render CRD kinds (sources inside).</summary>
public static class ChartCrds
{
    public static IReadOnlyDictionary<string, ChartCrdFacts> Table { get; } = Load();

    private static Dictionary<string, ChartCrdFacts> Load()
    {
        using var stream = typeof(ChartCrds).Assembly.GetManifestResourceStream("HomeOps.Validate.Rules.Crds.chart-crds.json")
            ?? throw new InvalidOperationException("chart-crds.json is not embedded");
        var root = JsonNode.Parse(stream)!["charts"]!.AsObject();
        static List<string> Strings(JsonNode? node) => (node as JsonArray ?? []).Select(Manifest.Text).OfType<string>().ToList();
        return root.ToDictionary(c => c.Key, c => new ChartCrdFacts(
            Strings(c.Value!["provides"]),
            Strings(c.Value!["providesWhen"]),
            (c.Value!["defaults"] as JsonObject ?? []).ToDictionary(d => d.Key, d => d.Value?.DeepClone()),
            (c.Value!["renders"] as JsonArray ?? []).OfType<JsonObject>().Select(r => new ChartRender(Manifest.Text(r["kind"])!, Manifest.Text(r["group"])!,
                Manifest.Text(r["name"]) ?? "", Strings(r["when"]), r["guarded"] is JsonValue g && g.GetValue<bool>())).ToList()), StringComparer.Ordinal);
    }
}
