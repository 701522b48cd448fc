using HomeOps.Model;
using HomeOps.Model.Yaml;

namespace HomeOps.Compile.Talos.Lines;

/// <summary>The Talos enumerations the network documents take by name (Talos/Lines/nethelpers.yaml).</summary>
public static class TalosEnums
{
    private static readonly Lazy<Dictionary<string, IReadOnlyList<string>>> Loaded = new(() =>
    {
        using var stream = typeof(TalosEnums).Assembly.GetManifestResourceStream("talos-lines/nethelpers.yaml")
            ?? throw new InvalidOperationException("Talos/Lines/nethelpers.yaml is not embedded");
        using var reader = new StreamReader(stream);
        var root = YamlJson.ToJson(YamlDocuments.Parse(reader.ReadToEnd(), "nethelpers.yaml", new FindingBag())[0].RootNode)!.AsObject();
        return root.Where(p => p.Key != "format")
            .ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value!.AsArray().Select(v => v!.ToString()).ToList(), StringComparer.Ordinal);
    });

    public static IReadOnlyList<string> Names(string enumeration) =>
        Loaded.Value.TryGetValue(enumeration, out var names) ? names : throw new InvalidOperationException($"nethelpers.yaml has no {enumeration}");
}
