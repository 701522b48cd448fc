using System.Text;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Charts;

/// <summary>
/// The feature as an operator uses it, through the real CLI: `validate` says the values were not checked, `charts pull`
/// fetches the pinned chart from a Helm repository (here on loopback), and `validate` then judges the values by it.
/// </summary>
[Trait(Category.Name, Category.EndToEnd)]
public sealed class ChartsCommandTests
{
    [Fact]
    public void Pull_then_validate_judges_the_values_by_the_chart()
    {
        var tgz = TestCharts.Demo();
        using var server = new LoopbackServer(request => request.Url!.AbsolutePath switch
        {
            "/charts/index.yaml" => (200, Encoding.UTF8.GetBytes($"""
                apiVersion: v1
                entries:
                  demo:
                    - {"{"}name: demo, version: 1.0.0, digest: {TestCharts.Sha256(tgz)}, urls: [demo-1.0.0.tgz]{"}"}
                """), null),
            "/charts/demo-1.0.0.tgz" => (200, tgz, null),
            _ => (404, [], null),
        });
        using var temp = new TempDir();
        temp.Write("apps/sources.yaml", $"""
            apiVersion: source.toolkit.fluxcd.io/v1
            kind: HelmRepository
            metadata: {"{"}name: demo, namespace: flux-system{"}"}
            spec: {"{"}url: "{server.Url}/charts"{"}"}
            """);
        temp.Write("apps/release.yaml", """
            apiVersion: helm.toolkit.fluxcd.io/v2
            kind: HelmRelease
            metadata: {name: demo, namespace: demo}
            spec:
              interval: 1h
              chart:
                spec: {chart: demo, version: 1.0.0, sourceRef: {kind: HelmRepository, name: demo, namespace: flux-system}}
              values:
                replicaCount: two
                imagee: {tag: v1}
            """);
        var online = new Dictionary<string, string> { ["HOMEOPS_OFFLINE"] = "0" };

        string[] helm = ["validate", "--rule", "helm/chart-not-cached", "--rule", "helm/values-schema", "--rule", "helm/values-unknown-key"];
        var before = Support.Process.HomeOps(temp.Path, helm);
        Assert.True(before.ExitCode == 0, before.Output);
        Assert.Contains("helm/chart-not-cached", before.Stdout);
        Assert.DoesNotContain("helm/values-schema", before.Stdout);

        var pull = Support.Process.HomeOps(temp.Path, online, "charts", "pull");
        Assert.True(pull.ExitCode == 0, pull.Output);
        Assert.Contains("pulled   demo 1.0.0", pull.Stdout);
        Assert.Contains("1 chart(s): 1 pulled, 0 cached, 0 skipped, 0 failed", pull.Stdout);

        var after = Support.Process.HomeOps(temp.Path, helm);
        Assert.Equal(1, after.ExitCode);
        var lines = after.Stdout.Split('\n');
        // each where it was written: replicaCount on line 9, imagee on line 10
        Assert.Contains(lines, l => l.Contains("apps/release.yaml:9:", StringComparison.Ordinal) && l.Contains("error helm/values-schema", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("apps/release.yaml:10:", StringComparison.Ordinal) && l.Contains("warning helm/values-unknown-key", StringComparison.Ordinal));
        Assert.Contains("'image'", after.Stdout);
        Assert.DoesNotContain("helm/chart-not-cached", after.Stdout);
    }
}
