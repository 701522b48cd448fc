using System.Text.Json.Nodes;
using HomeOps.Compile.Flux;
using HomeOps.Model;
using HomeOps.Model.Repository;

namespace HomeOps.Validate.Rules.Schema;

/// <summary>
/// One field upstream added to a CRD after common schema catalogues were built (crd-field-additions.json): where it sits
/// (<see cref="At"/>, as ".spec.list[]"), the type its value must have, and the first chart versions installing it.
/// </summary>
public sealed record CrdFieldAddition(string Group, string Kind, string Version, string At, string Field, string Type,
    IReadOnlyDictionary<string, ReleaseVersion> Since, string Source)
{
    /// <summary>Whether one of <paramref name="charts"/> is a chart that installs the field, at a version that does.</summary>
    public bool InstalledBy(IEnumerable<InstalledChart> charts) =>
        charts.Any(c => Since.TryGetValue(c.Name, out var first) && ReleaseVersion.TryParse(c.Version, out var pinned) && pinned >= first);

    /// <summary>Whether the value has the field's JSON type.</summary>
    public bool Accepts(JsonNode? value) => (Type, value?.GetValueKind()) switch
    {
        ("boolean", System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False) => true,
        ("string", System.Text.Json.JsonValueKind.String) => true,
        ("integer", System.Text.Json.JsonValueKind.Number) => value!.AsValue().TryGetValue<long>(out _),
        ("object", System.Text.Json.JsonValueKind.Object) => true,
        ("array", System.Text.Json.JsonValueKind.Array) => true,
        _ => false,
    };

    /// <summary>"kube-prometheus-stack 80.0.0 or prometheus-operator-crds 25.0.0".</summary>
    public string FirstVersions => string.Join(" or ", Since.Select(s => $"{s.Key} {s.Value.Major}.{s.Value.Minor}.{s.Value.Patch}"));
}

/// <summary>crd-field-additions.json, loaded once.</summary>
public static class CrdFieldAdditions
{
    public static IReadOnlyList<CrdFieldAddition> All { get; } = Load();

    /// <summary>The addition for an unknown field <paramref name="field"/> under <paramref name="at"/> (".spec.list[]") of a custom resource, or null.</summary>
    public static CrdFieldAddition? Find(Manifest resource, string at, string field) =>
        All.FirstOrDefault(a => a.Group == resource.Group && a.Kind == resource.Kind && a.Version == resource.Version && a.At == at && a.Field == field);

    private static List<CrdFieldAddition> Load()
    {
        using var stream = typeof(CrdFieldAdditions).Assembly.GetManifestResourceStream("HomeOps.Validate.Rules.Schema.crd-field-additions.json")
            ?? throw new InvalidOperationException("crd-field-additions.json is not embedded");
        return [.. JsonNode.Parse(stream)!["additions"]!.AsArray().OfType<JsonObject>().Select(a => new CrdFieldAddition(
            Manifest.Text(a["group"])!, Manifest.Text(a["kind"])!, Manifest.Text(a["version"])!, Manifest.Text(a["at"])!, Manifest.Text(a["field"])!,
            Manifest.Text(a["schema"]!["type"])!,
            a["since"]!.AsObject().ToDictionary(s => s.Key, s => ReleaseVersion.TryParse(Manifest.Text(s.Value), out var v) ? v
                : throw new InvalidOperationException($"crd-field-additions.json: {s.Key} '{s.Value}' is not a version")),
            Manifest.Text(a["source"])!))];
    }
}
