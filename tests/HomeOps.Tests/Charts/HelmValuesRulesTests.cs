using HomeOps.Adapters.Charts;
using HomeOps.Adapters.Files;
using HomeOps.Adapters.Schemas;
using HomeOps.Compile.Flux;
using HomeOps.Model;
using HomeOps.Tests.Support;
using HomeOps.Validate.Engine;
using HomeOps.Validate.Rules.Helm;

namespace HomeOps.Tests.Charts;

/// <summary>validate's helm/values-* rules over HelmReleases whose chart (ours, packed at test time) is in a real chart cache.</summary>
public sealed class HelmValuesRulesTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private const string Sources = """
        apiVersion: source.toolkit.fluxcd.io/v1
        kind: HelmRepository
        metadata: {name: demo, namespace: flux-system}
        spec: {url: "https://charts.example.com/demo"}
        """;

    private static string Release(string name, string values) => $"""
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: {name}
          namespace: demo
        spec:
          interval: 1h
          chart:
            spec:
              chart: demo
              version: 1.0.0
              sourceRef: {"{"}kind: HelmRepository, name: demo, namespace: flux-system{"}"}
          values:
        {values}
        """;

    /// <summary>Every helm/ finding of a full validate run over the files given, with chart demo 1.0.0 cached or not.</summary>
    private List<Finding> Run(bool cached, params (string File, string Text)[] files)
    {
        foreach (var (file, text) in files.Append(("sources.yaml", Sources))) _temp.Write("repo/" + file, text);
        var cache = new ChartCache(_temp.File("cache"));
        if (cached) Assert.True(cache.Store(new ChartReference(new ChartRepository("https://charts.example.com/demo", false), "demo", "1.0.0"), TestCharts.Demo()));
        var validator = new Validator(RuleCatalog.All());
        var model = new DiskRepository(new Validation.NoGit()).Load(_temp.File("repo"), new Dictionary<string, string>());
        var schemas = new SchemaStore([Repo.Schemas], Path.Combine(Path.GetTempPath(), "homeops-test-schema-cache"));
        return validator.Run(model, validator.Select([], []), schemas, TimeSpan.Zero, charts: cache).Findings
            .Where(f => f.Rule.StartsWith("helm/", StringComparison.Ordinal)).ToList();
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_an_error_at_its_line()
    {
        var found = Run(cached: true, ("app.yaml", Release("app", "    replicaCount: two\n    image:\n      tag: \"1.2\"")));

        var error = Assert.Single(found);
        Assert.Equal(HelmValuesRules.ValuesSchema, error.Rule);
        Assert.Equal(Severity.Error, error.Severity);
        Assert.Equal(("app.yaml", 14), (error.Location.File, error.Location.Line));
        Assert.Contains("values.replicaCount", error.Message);
        Assert.Contains("integer", error.Message);
    }

    [Fact]
    public void An_unknown_key_is_a_warning_with_the_nearest_known_one()
    {
        var found = Run(cached: true, ("app.yaml", Release("app", "    replicaCont: 2\n    image:\n      tga: v1")));

        Assert.Equal(2, found.Count);
        Assert.All(found, f => Assert.Equal((HelmValuesRules.UnknownKey, Severity.Warning), (f.Rule, f.Severity)));
        Assert.Contains(found, f => f.Location.Line == 14 && f.Message.Contains("values.replicaCont") && f.Hint!.Contains("did you mean 'replicaCount'?"));
        Assert.Contains(found, f => f.Location.Line == 16 && f.Message.Contains("values.image.tga") && f.Hint!.Contains("did you mean 'tag'?"));
    }

    [Fact]
    public void Free_form_maps_subcharts_global_commented_keys_and_variables_are_not_judged()
    {
        var found = Run(cached: true, ("app.yaml", Release("app",
            "    podAnnotations:\n      anything: goes\n    redis:\n      architecture: standalone\n    global:\n      imageRegistry: mirror.example.com\n" +
            "    fullnameOverride: app\n    replicaCount: ${REPLICAS}")));

        Assert.Empty(found);
    }

    [Fact]
    public void Without_the_chart_cached_one_note_per_chart_says_to_pull_it()
    {
        var found = Run(cached: false, ("a.yaml", Release("a", "    replicaCount: two")), ("b.yaml", Release("b", "    replicaCont: 1")));

        var note = Assert.Single(found);
        Assert.Equal((HelmValuesRules.NotCached, Severity.Info), (note.Rule, note.Severity));
        Assert.Contains("2 HelmRelease(s) were not checked", note.Message);
        Assert.Contains("homeops charts pull", note.Hint);
    }
}
