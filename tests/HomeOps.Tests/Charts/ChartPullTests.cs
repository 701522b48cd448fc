using System.Text;
using HomeOps.Adapters.Charts;
using HomeOps.Adapters.Files;
using HomeOps.Compile.Flux;
using HomeOps.Operations.Charts;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Charts;

/// <summary>`charts pull` through the real adapters (HttpClient, the disk cache) against a Helm repository and an OCI registry on loopback.</summary>
public sealed class ChartPullTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private ChartCache Cache => new(_temp.File("cache"));

    /// <summary>The repository's HelmReleases with their sources: a HelmRepository (http or oci type) or an OCIRepository.</summary>
    private List<InstalledChart> Releases(string sources, string chart)
    {
        var repo = _temp.File("repo");
        Directory.CreateDirectory(repo);
        File.WriteAllText(Path.Combine(repo, "sources.yaml"), sources);
        File.WriteAllText(Path.Combine(repo, "release.yaml"), chart);
        var model = new DiskRepository(new Validation.NoGit()).Load(repo, new Dictionary<string, string>());
        return HelmCharts.Installed(model.Manifests.SelectMany(model.InstancesOf)).ToList();
    }

    private List<InstalledChart> FromHelmRepository(string url, string version = "1.0.0") => Releases($"""
        apiVersion: source.toolkit.fluxcd.io/v1
        kind: HelmRepository
        metadata: {"{"}name: demo, namespace: flux-system{"}"}
        spec: {"{"}url: "{url}"{"}"}
        """, $"""
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata: {"{"}name: demo, namespace: demo{"}"}
        spec:
          chart:
            spec: {"{"}chart: demo, version: "{version}", sourceRef: {"{"}kind: HelmRepository, name: demo, namespace: flux-system{"}"}{"}"}
        """);

    private List<InstalledChart> FromOciRepository(string url, string tag) => Releases($"""
        apiVersion: source.toolkit.fluxcd.io/v1
        kind: OCIRepository
        metadata: {"{"}name: demo, namespace: demo{"}"}
        spec: {"{"}url: "{url}", ref: {"{"}tag: "{tag}"{"}"}{"}"}
        """, """
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata: {name: demo, namespace: demo}
        spec:
          chartRef: {kind: OCIRepository, name: demo}
        """);

    private static LoopbackServer HelmRepository(byte[] tgz, string digest) => new(request => request.Url!.AbsolutePath switch
    {
        "/charts/index.yaml" => (200, Encoding.UTF8.GetBytes($"""
            apiVersion: v1
            entries:
              demo:
                - name: demo
                  version: 1.1.0
                  urls: [demo-1.1.0.tgz]
                - name: demo
                  version: 1.0.0
                  digest: {digest}
                  urls: [packages/demo-1.0.0.tgz]
            generated: "2026-01-01T00:00:00Z"
            """), null),
        "/charts/packages/demo-1.0.0.tgz" => (200, tgz, null),
        _ => (404, [], null),
    });

    [Fact]
    public async Task Http_repository_chart_is_pulled_with_its_digest_checked_then_cached()
    {
        var tgz = TestCharts.Demo();
        using var server = HelmRepository(tgz, TestCharts.Sha256(tgz));
        var charts = FromHelmRepository(server.Url + "/charts/");
        using var client = HttpChartClient.CreateClient();

        var first = await new ChartPull(new HttpChartClient(client), Cache).PullAsync(charts, CancellationToken.None);
        var second = await new ChartPull(new HttpChartClient(client), Cache).PullAsync(charts, CancellationToken.None);

        var pulled = Assert.Single(first);
        Assert.Equal(PullOutcome.Pulled, pulled.Outcome);
        Assert.Contains("/charts/packages/demo-1.0.0.tgz", pulled.Detail);
        Assert.Equal(tgz, Cache.Find(charts[0].Pinned!));
        Assert.Equal(PullOutcome.Cached, Assert.Single(second).Outcome);
        Assert.Equal(2, server.Requests.Count); // index and package once; the second pull asked nothing
    }

    [Fact]
    public async Task Http_repository_package_with_another_digest_is_refused_and_not_cached()
    {
        var tgz = TestCharts.Demo();
        var other = TestCharts.Sha256(TestCharts.Demo("2.0.0"));
        using var server = HelmRepository(tgz, other);
        var charts = FromHelmRepository(server.Url + "/charts");
        using var client = HttpChartClient.CreateClient();

        var result = Assert.Single(await new ChartPull(new HttpChartClient(client), Cache).PullAsync(charts, CancellationToken.None));

        Assert.Equal(PullOutcome.Failed, result.Outcome);
        Assert.Contains($"has sha256 {TestCharts.Sha256(tgz)}, but index.yaml says {other}", result.Detail);
        Assert.Null(Cache.Find(charts[0].Pinned!));
    }

    [Fact]
    public async Task Http_repository_without_the_pinned_version_fails_naming_the_nearest()
    {
        var tgz = TestCharts.Demo();
        using var server = HelmRepository(tgz, TestCharts.Sha256(tgz));
        using var client = HttpChartClient.CreateClient();

        var result = Assert.Single(await new ChartPull(new HttpChartClient(client), Cache).PullAsync(FromHelmRepository(server.Url + "/charts", "1.0.1"), CancellationToken.None));

        Assert.Equal(PullOutcome.Failed, result.Outcome);
        Assert.Contains("no version 1.0.1 of 'demo'", result.Detail);
    }

    /// <summary>A registry that, like ghcr.io, answers 401 with a Bearer challenge until a token from its realm is sent.</summary>
    private static LoopbackServer Registry(byte[] tgz, string layerDigest, string tag)
    {
        LoopbackServer? self = null;
        var server = new LoopbackServer(request =>
        {
            var path = request.Url!.AbsolutePath;
            if (path == "/token")
                return request.QueryString["scope"] == "repository:charts/demo:pull" && request.QueryString["service"] == "test-registry"
                    ? (200, Encoding.UTF8.GetBytes("""{"token":"anonymous-token"}"""), null)
                    : (400, [], null);
            if (request.Headers["Authorization"] != "Bearer anonymous-token")
                return (401, [], new Dictionary<string, string>
                {
                    ["WWW-Authenticate"] = $"Bearer realm=\"http://127.0.0.1:{self!.Port}/token\",service=\"test-registry\",scope=\"repository:charts/demo:pull\"",
                });
            if (path == $"/v2/charts/demo/manifests/{tag}" && request.AcceptTypes?.Contains(ChartPull.OciManifest) == true)
                return (200, Encoding.UTF8.GetBytes($$"""
                    {"schemaVersion": 2, "mediaType": "{{ChartPull.OciManifest}}",
                     "config": {"mediaType": "application/vnd.cncf.helm.config.v1+json", "digest": "sha256:{{new string('1', 64)}}", "size": 2},
                     "layers": [{"mediaType": "{{ChartPull.ChartLayer}}", "digest": "{{layerDigest}}", "size": {{tgz.Length}}}]}
                    """), null);
            if (path == $"/v2/charts/demo/blobs/{layerDigest}") return (200, tgz, null);
            return (404, [], null);
        });
        self = server;
        return server;
    }

    [Fact]
    public async Task Oci_chart_is_pulled_after_the_bearer_challenge()
    {
        var tgz = TestCharts.Demo("1.0.0+build.1");
        using var server = Registry(tgz, "sha256:" + TestCharts.Sha256(tgz), "1.0.0_build.1");
        var charts = FromOciRepository($"oci://127.0.0.1:{server.Port}/charts/demo", "1.0.0+build.1");
        using var client = HttpChartClient.CreateClient();

        var result = Assert.Single(await new ChartPull(new HttpChartClient(client), Cache).PullAsync(charts, CancellationToken.None));

        Assert.True(result.Outcome == PullOutcome.Pulled, result.Detail);
        Assert.Equal(tgz, Cache.Find(charts[0].Pinned!));
        Assert.Contains(server.Requests, r => r.StartsWith("/token?", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Oci_blob_with_another_digest_is_refused_and_not_cached()
    {
        var tgz = TestCharts.Demo();
        using var server = Registry(TestCharts.Demo("9.9.9"), "sha256:" + TestCharts.Sha256(tgz), "1.0.0");
        var charts = Releases($"""
            apiVersion: source.toolkit.fluxcd.io/v1
            kind: HelmRepository
            metadata: {"{"}name: demo, namespace: demo{"}"}
            spec: {"{"}type: oci, url: "oci://127.0.0.1:{server.Port}/charts"{"}"}
            """, """
            apiVersion: helm.toolkit.fluxcd.io/v2
            kind: HelmRelease
            metadata: {name: demo, namespace: demo}
            spec:
              chart:
                spec: {chart: demo, version: 1.0.0, sourceRef: {kind: HelmRepository, name: demo}}
            """);
        using var client = HttpChartClient.CreateClient();

        var result = Assert.Single(await new ChartPull(new HttpChartClient(client), Cache).PullAsync(charts, CancellationToken.None));

        Assert.Equal(PullOutcome.Failed, result.Outcome);
        Assert.Contains("but the manifest says", result.Detail);
        Assert.Null(Cache.Find(charts[0].Pinned!));
    }

    [Fact]
    public async Task Offline_nothing_is_sent_and_each_uncached_chart_says_so()
    {
        var charts = FromHelmRepository("https://charts.example.invalid");

        var result = Assert.Single(await new ChartPull(null, Cache).PullAsync(charts, CancellationToken.None));

        Assert.Equal(PullOutcome.Failed, result.Outcome);
        Assert.Contains("offline (HOMEOPS_OFFLINE=1)", result.Detail);
    }

    [Fact]
    public async Task Plain_http_is_refused_unless_the_host_is_loopback()
    {
        Assert.False(ChartPull.IsAllowed(new Uri("http://charts.example.com/index.yaml")));
        Assert.True(ChartPull.IsAllowed(new Uri("http://127.0.0.1:8080/index.yaml")));
        Assert.True(ChartPull.IsAllowed(new Uri("https://charts.example.com/index.yaml")));
        using var client = HttpChartClient.CreateClient();

        var result = Assert.Single(await new ChartPull(new HttpChartClient(client), Cache).PullAsync(FromHelmRepository("http://charts.example.com"), CancellationToken.None));

        Assert.Equal(PullOutcome.Failed, result.Outcome);
        Assert.Contains("is not https", result.Detail);
    }

    [Fact]
    public async Task A_version_range_is_skipped_not_failed()
    {
        var result = Assert.Single(await new ChartPull(null, Cache).PullAsync(FromHelmRepository("https://charts.example.invalid", "1.x"), CancellationToken.None));

        Assert.Equal(PullOutcome.Skipped, result.Outcome);
        Assert.Contains("not one exact version", result.Detail);
    }
}
