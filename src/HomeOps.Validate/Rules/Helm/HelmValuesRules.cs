using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HomeOps.Compile.Flux;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using HomeOps.Validate.Charts;
using HomeOps.Validate.Engine;
using HomeOps.Validate.Rules.Schema;
using HomeOps.Validate.Schema;
using Json.Schema;

namespace HomeOps.Validate.Rules.Helm;

/// <summary>
/// Every HelmRelease's inline values (spec.values) against the chart it pins, read from the chart cache `homeops charts
/// pull` fills (<see cref="RuleContext.Charts"/>): the chart's values.schema.json judges the values merged over the chart's
/// defaults, as Helm does before it renders (helm/helm v3.16 pkg/chartutil/values.go ValidateAgainstSchema, after
/// coalescing); keys the chart's values.yaml does not have are reported with the nearest key it has. A chart that is not
/// cached is one note, never a guess. Values that still hold an unresolved variable (${...}) are not judged.
/// </summary>
public sealed partial class HelmValuesRules : IRuleSet
{
    public const string ValuesSchema = "helm/values-schema";
    public const string UnknownKey = "helm/values-unknown-key";
    public const string NotCached = "helm/chart-not-cached";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(ValuesSchema, Severity.Error, "A HelmRelease's values do not validate against its chart's values.schema.json (Helm refuses the install)."),
        new(UnknownKey, Severity.Warning, "A HelmRelease sets a value its chart's values.yaml does not have: probably a typo or a value the chart version dropped."),
        new(NotCached, Severity.Info, "A pinned chart is not in the chart cache (one note per chart): its HelmReleases' values were not checked."),
    ];

    public void Check(RepoModel repo, RuleContext context)
    {
        var installed = repo.Charts
            .Where(c => c.Pinned is not null)
            .GroupBy(c => c.Pinned!)
            .OrderBy(g => g.Key.ToString(), StringComparer.Ordinal);
        foreach (var group in installed)
        {
            var reference = group.Key;
            var releases = group.Select(c => c.Release).ToList();
            var first = releases.OrderBy(r => r.File, StringComparer.Ordinal).ThenBy(r => r.Index).First();
            if (context.Charts.Find(reference) is not { } tgz)
            {
                context.Report(NotCached, first.At(first.Get("/spec/chart/spec/version") is null ? "/spec/chartRef" : "/spec/chart/spec/version"),
                    $"chart {reference} is not in the chart cache: the values of {releases.Select(r => r.Name).Distinct().Count()} HelmRelease(s) were not checked against it",
                    "run `homeops charts pull` (it downloads every pinned chart into the cache), then validate again");
                continue;
            }
            Chart chart;
            try { chart = Chart.Of(reference, tgz); }
            catch (Exception e) when (e is ChartPackageException or FormatException or System.Text.Json.JsonException or InvalidOperationException)
            {
                context.Report(ValuesSchema, first.At(), $"the cached chart {reference} could not be read: {e.Message}; its values were not checked",
                    "run `homeops charts pull` again to replace it", Severity.Warning);
                continue;
            }
            foreach (var release in releases.Distinct())
            {
                if (release.Get("/spec/values") is not JsonObject values) continue;
                if (context.Enabled(ValuesSchema) && chart.Schema is not null) CheckSchema(release, values, chart, reference, context);
                if (context.Enabled(UnknownKey) && chart.Defaults is not null) CheckKeys(release, values, chart, reference, context);
            }
        }
    }

    private static void CheckSchema(Manifest release, JsonObject values, Chart chart, ChartReference reference, RuleContext context)
    {
        var merged = Coalesce(chart.Defaults?.DeepClone() as JsonObject ?? [], values);
        foreach (var error in SchemaCheck.Evaluate(chart.Schema!, merged))
        {
            // the deepest part of the path the release itself wrote: an error inside the chart's own defaults is not the release's
            var written = error.InstancePath;
            while (written.Length > 0 && release.Get("/spec/values" + written) is null) written = written[..written.LastIndexOf('/')];
            if (written.Length == 0 && error.InstancePath.Length > 0) continue;
            if (SchemaRules.Unresolved(values, error.InstancePath) || SchemaRules.Unresolved(values, written)) continue;
            var dotted = error.InstancePath.Length == 0 ? "values" : "values" + Dotted(error.InstancePath);
            context.Report(ValuesSchema, release.At("/spec/values" + written),
                $"HelmRelease {release.Name} {dotted}: {error.Message} (values.schema.json of chart {reference.Name} {reference.Version})",
                "fix the value; the chart's values.schema.json says what it accepts, and Helm refuses the install until it validates");
        }
    }

    private static void CheckKeys(Manifest release, JsonObject values, Chart chart, ChartReference reference, RuleContext context)
    {
        void Walk(JsonObject given, JsonObject defaults, string pointer)
        {
            foreach (var (key, value) in given)
            {
                var at = pointer + "/" + YamlJson.Escape(key);
                if (pointer.Length == 0 && (key == "global" || chart.Subcharts.Contains(key))) continue;
                if (key.Contains("${", StringComparison.Ordinal)) continue;
                if (!defaults.TryGetPropertyValue(key, out var known))
                {
                    if (chart.Commented(key)) continue; // documented only as "# key:" in values.yaml, read by the templates
                    var near = Suggest.Nearest(key, defaults.Select(d => d.Key));
                    context.Report(UnknownKey, release.At("/spec/values" + at),
                        $"HelmRelease {release.Name} values{Dotted(at)}: chart {reference.Name} {reference.Version} has no such value in its values.yaml",
                        near is null ? "remove it, or check the chart's values.yaml for the value's current name" : $"did you mean '{near}'? (else remove it)");
                    continue;
                }
                // a map the chart leaves empty (or null) is free-form; a list or scalar default has no keys to compare
                if (value is JsonObject inner && known is JsonObject knownMap && knownMap.Count > 0) Walk(inner, knownMap, at);
            }
        }
        Walk(values, chart.Defaults!, "");
    }

    /// <summary>Helm's coalescing of user values over chart defaults: maps merge, the user wins, a user null removes the key.</summary>
    private static JsonObject Coalesce(JsonObject defaults, JsonObject values)
    {
        foreach (var (key, value) in values)
        {
            if (value is null) defaults.Remove(key);
            else if (value is JsonObject map && defaults[key] is JsonObject under) Coalesce(under, map);
            else defaults[key] = value.DeepClone();
        }
        return defaults;
    }

    private static string Dotted(string pointer) =>
        string.Concat(pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(t => t.Replace("~1", "/").Replace("~0", "~"))
            .Select(t => int.TryParse(t, out _) ? $"[{t}]" : t.Contains('.') ? $"[\"{t}\"]" : "." + t));

    /// <summary>What the rules need of one cached chart, read once per run.</summary>
    private sealed class Chart
    {
        public JsonSchema? Schema { get; private init; }

        public JsonObject? Defaults { get; private init; }

        public required IReadOnlySet<string> Subcharts { get; init; }

        private string ValuesText { get; init; } = "";

        public bool Commented(string key) => ValuesText.Contains('#') &&
            Regex.IsMatch(ValuesText, @"^[ \t]*#+[ \t]*" + Regex.Escape(key) + @"[ \t]*:", RegexOptions.Multiline, TimeSpan.FromSeconds(1));

        public static Chart Of(ChartReference reference, byte[] tgz)
        {
            var package = ChartPackage.Read(tgz);
            var subcharts = new HashSet<string>(package.Subcharts, StringComparer.Ordinal);
            // Chart.yaml dependencies (apiVersion v2): their values sit under their alias, else their name
            if (Parse(package.ChartYaml, "Chart.yaml") is JsonObject meta)
                foreach (var (dependency, _) in Manifest.Items(meta["dependencies"]))
                    if ((Manifest.Text(dependency?["alias"]) ?? Manifest.Text(dependency?["name"])) is { } name) subcharts.Add(name);
            return new Chart
            {
                Schema = package.ValuesSchemaJson is { } schema
                    ? new SchemaCheck().Register(schema, new Uri($"urn:homeops:chart:{Uri.EscapeDataString(reference.Name)}:{Uri.EscapeDataString(reference.Version)}"))
                    : null,
                Defaults = package.ValuesYaml is { } yaml ? Parse(yaml, "values.yaml") as JsonObject ?? [] : null,
                Subcharts = subcharts,
                ValuesText = package.ValuesYaml ?? "",
            };
        }

        private static JsonNode? Parse(string text, string file)
        {
            var findings = new FindingBag();
            var documents = YamlDocuments.Parse(text, file, findings);
            if (findings.Sorted() is [var problem, ..]) throw new FormatException($"{file}: {problem.Message}");
            return documents.Count == 0 ? null : YamlJson.ToJson(documents[0].RootNode);
        }
    }
}
