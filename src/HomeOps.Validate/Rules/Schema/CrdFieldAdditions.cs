using System.Text.Json.Nodes;
using HomeOps.Compile.Flux;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Validate.Schema;
using Json.Schema;

namespace HomeOps.Validate.Rules.Schema;

/// <summary>
/// One field upstream added to a CRD after common schema catalogues were built (crd-field-additions.json): where it sits
/// (<see cref="At"/>, as ".spec.list[]"), the JSON schema its value must meet (<see cref="Type"/>: the schema's type, for
/// messages), and the first chart versions installing it.
/// </summary>
public sealed record CrdFieldAddition(string Group, string Kind, string Version, string At, string Field, JsonSchema Schema, string Type,
    IReadOnlyDictionary<string, ReleaseVersion> Since)
{
    /// <summary>Whether one of <paramref name="charts"/> is a chart that installs the field, at a version that does.</summary>
    public bool InstalledBy(IEnumerable<InstalledChart> charts) =>
        charts.Any(c => Since.TryGetValue(c.Name, out var first) && ReleaseVersion.TryParse(c.Version, out var pinned) && pinned >= first);

    /// <summary>Whether the value meets the field's schema.</summary>
    public bool Accepts(JsonNode? value) => SchemaCheck.Evaluate(Schema, value).Count == 0;

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
        var compiler = new SchemaCheck();
        // "source" in each entry is for the reader: where the fact was read; no code needs it
        return [.. JsonNode.Parse(stream)!["additions"]!.AsArray().OfType<JsonObject>().Select((a, i) => new CrdFieldAddition(
            Manifest.Text(a["group"])!, Manifest.Text(a["kind"])!, Manifest.Text(a["version"])!, Manifest.Text(a["at"])!, Manifest.Text(a["field"])!,
            compiler.Register(a["schema"]!.ToJsonString(), new Uri($"urn:homeops:crd-field-additions:{i}")), Manifest.Text(a["schema"]!["type"])!,
            a["since"]!.AsObject().ToDictionary(s => s.Key, s => ReleaseVersion.TryParse(Manifest.Text(s.Value), out var v) ? v
                : throw new InvalidOperationException($"crd-field-additions.json: {s.Key} '{s.Value}' is not a version"))))];
    }
}
