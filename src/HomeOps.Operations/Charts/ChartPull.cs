using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HomeOps.Compile.Flux;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using HomeOps.Validate.Charts;

namespace HomeOps.Operations.Charts;

/// <summary>How one chart's pull ended.</summary>
public enum PullOutcome { Pulled, Cached, Skipped, Failed }

/// <summary>One line of `homeops charts pull`: the chart, how it ended, why, and the HelmReleases that install it.</summary>
public sealed record ChartPullResult(string Chart, PullOutcome Outcome, string Detail, IReadOnlyList<Manifest> Releases);

/// <summary>
/// Downloads every pinned chart the repository's HelmReleases install into the chart cache, verifying each package's
/// digest; validate then judges the releases' values against them (helm/values-*). Two kinds of repository:
/// <list type="bullet">
/// <item>Helm HTTP repositories: GET &lt;url&gt;/index.yaml, the entry entries.&lt;chart&gt;[] whose version is the pin, its
/// urls[0] (relative ones resolved against the repository URL with a trailing slash, the repository URL's query kept) and
/// its digest, the hex SHA-256 of the package (helm/helm v3.16 pkg/repo/index.go IndexFile and ChartVersion,
/// pkg/repo/chartrepo.go ResolveReferenceURL).</item>
/// <item>OCI registries: the OCI distribution spec v1.1 pull API (GET /v2/&lt;name&gt;/manifests/&lt;tag&gt; with Accept
/// application/vnd.oci.image.manifest.v1+json, then GET /v2/&lt;name&gt;/blobs/&lt;digest&gt;), the layer whose mediaType is
/// application/vnd.cncf.helm.chart.content.v1.tar+gzip (or the legacy application/tar+gzip), and a version's '+' stored as
/// '_' in the tag (helm/helm v3.16 pkg/registry/constants.go, util.go). A 401 with a Bearer challenge is answered with an
/// anonymous token from its realm (Docker registry token authentication, distribution/distribution docs/spec/auth/token.md),
/// as ghcr.io requires even for public packages.</item>
/// </list>
/// A package whose digest does not match is never cached. Without <paramref name="http"/> (HOMEOPS_OFFLINE=1) nothing is sent.
/// </summary>
public sealed partial class ChartPull(IChartHttp? http, IChartCache cache)
{
    /// <summary>The largest chart package downloaded (kube-prometheus-stack 75.x is under 1 MiB packed).</summary>
    public const long MaxChartBytes = 64L * 1024 * 1024;

    /// <summary>The largest index.yaml read (large public repositories publish indexes of tens of MiB).</summary>
    public const long MaxIndexBytes = 128L * 1024 * 1024;

    private const long MaxSmallBytes = 4L * 1024 * 1024;

    /// <summary>OCI image manifest (OCI image spec v1.1 media-types.md).</summary>
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";

    /// <summary>Helm's chart layer, and the one Helm 3.0–3.7 pushed (helm/helm v3.16 pkg/registry/constants.go).</summary>
    public const string ChartLayer = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

    public const string LegacyChartLayer = "application/tar+gzip";

    public bool Offline => http is null;

    /// <summary>https anywhere; plain http only to this machine (a loopback host), so a local test registry works and nothing else is fetched in clear.</summary>
    public static bool IsAllowed(Uri url) =>
        url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp && url.IsLoopback;

    private readonly Dictionary<string, Task<JsonObject>> _indexes = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<ChartPullResult>> PullAsync(IEnumerable<InstalledChart> charts, CancellationToken cancel)
    {
        var results = new List<ChartPullResult>();
        foreach (var group in charts.GroupBy(c => c.Pinned?.ToString() ?? $"{c.Name} {c.Version ?? "(no version)"}").OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var releases = group.Select(c => c.Release.Source ?? c.Release).Distinct().ToList();
            var sample = group.First();
            if (sample.Pinned is not { } chart)
            {
                results.Add(new ChartPullResult(group.Key, PullOutcome.Skipped, sample.Repository is null
                    ? "its source is not a HelmRepository or OCIRepository in this repository, so there is nothing to download"
                    : $"'{sample.Version ?? ""}' is not one exact version (a range or a digest pins no single package)", releases));
                continue;
            }
            if (cache.Find(chart) is not null)
            {
                results.Add(new ChartPullResult(group.Key, PullOutcome.Cached, "already in the cache", releases));
                continue;
            }
            if (http is null)
            {
                results.Add(new ChartPullResult(group.Key, PullOutcome.Failed, "offline (HOMEOPS_OFFLINE=1): not downloaded", releases));
                continue;
            }
            try
            {
                var (tgz, note) = chart.Repository.Oci ? await FromRegistry(http, chart, cancel) : await FromIndex(http, chart, cancel);
                try { ChartPackage.Read(tgz); }
                catch (ChartPackageException e) { throw new ChartDownloadException($"the download is not a chart: {e.Message}"); }
                results.Add(cache.Store(chart, tgz)
                    ? new ChartPullResult(group.Key, PullOutcome.Pulled, note, releases)
                    : new ChartPullResult(group.Key, PullOutcome.Failed, "downloaded and verified, but the cache could not be written", releases));
            }
            catch (ChartDownloadException e)
            {
                results.Add(new ChartPullResult(group.Key, PullOutcome.Failed, e.Message, releases));
            }
        }
        return results;
    }

    // ---- Helm HTTP repositories ----

    private async Task<(byte[], string)> FromIndex(IChartHttp client, ChartReference chart, CancellationToken cancel)
    {
        var repository = Url(chart.Repository.Url, "repository URL");
        if (!_indexes.TryGetValue(chart.Repository.Url, out var loading)) _indexes[chart.Repository.Url] = loading = Index(client, repository, cancel);
        var index = await loading;
        var versions = index["entries"]?[chart.Name] as JsonArray
            ?? throw new ChartDownloadException($"{repository}index.yaml has no chart '{chart.Name}'");
        var entry = versions.OfType<JsonObject>().FirstOrDefault(v => SameVersion(Manifest.Text(v["version"]), chart.Version))
            ?? throw new ChartDownloadException($"{repository}index.yaml has no version {chart.Version} of '{chart.Name}'"
                                                + (Suggest.Nearest(chart.Version, versions.Select(v => Manifest.Text(v?["version"]) ?? "")) is { } near ? $" (nearest: {near})" : ""));
        if (Manifest.Items(entry["urls"]).Select(u => Manifest.Text(u.Item)).FirstOrDefault() is not { Length: > 0 } first)
            throw new ChartDownloadException($"{repository}index.yaml lists no URL for {chart.Name} {chart.Version}");
        var url = Resolve(repository, first);
        var answer = await client.GetAsync(url, null, null, MaxChartBytes, cancel);
        if (answer.Status != 200) throw new ChartDownloadException($"{url} answered {answer.Status}");
        // a digest that is not a string (YAML reads an all-digit one as a number) is still a digest: it must match, never be skipped
        var digest = entry["digest"] is JsonValue listed ? Manifest.Text(listed) ?? listed.ToJsonString() : null;
        if (digest is null) return (answer.Body, $"from {url} (the index gives no digest, so it was not verified)");
        var expected = digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest[7..] : digest;
        var actual = Sha256(answer.Body);
        if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
            throw new ChartDownloadException($"{url} has sha256 {actual}, but index.yaml says {expected}: not cached");
        return (answer.Body, $"from {url}, sha256 {actual} as index.yaml says");
    }

    private static async Task<JsonObject> Index(IChartHttp client, Uri repository, CancellationToken cancel)
    {
        var url = new Uri(repository, "index.yaml");
        var answer = await client.GetAsync(url, null, null, MaxIndexBytes, cancel);
        if (answer.Status != 200) throw new ChartDownloadException($"{url} answered {answer.Status}");
        var findings = new FindingBag();
        var text = System.Text.Encoding.UTF8.GetString(answer.Body);
        var documents = YamlDocuments.Parse(text, url.ToString(), findings);
        if (findings.Sorted() is [var problem, ..]) throw new ChartDownloadException($"{url} is not readable YAML: {problem.Message}");
        try
        {
            return documents.Count > 0 && YamlJson.ToJson(documents[0].RootNode) is JsonObject index
                ? index
                : throw new ChartDownloadException($"{url} is not a Helm repository index (no mapping)");
        }
        catch (YamlConversionException e)
        {
            throw new ChartDownloadException($"{url} is not readable: {e.Message}");
        }
    }

    /// <summary>Helm compares versions as SemVer; a leading 'v' on either side does not make another version.</summary>
    private static bool SameVersion(string? listed, string pinned) =>
        listed is not null && (listed == pinned || listed.TrimStart('v') == pinned.TrimStart('v'));

    /// <summary>The repository URL with one trailing slash, so relative URLs resolve below it (as Helm's ResolveReferenceURL does).</summary>
    private static Uri Url(string text, string what)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url)) throw new ChartDownloadException($"the {what} '{text}' is not a URL");
        if (!IsAllowed(url)) throw new ChartDownloadException($"the {what} {text} is not https (plain http is used only for this machine): refused");
        var builder = new UriBuilder(url);
        builder.Path = builder.Path.TrimEnd('/') + "/";
        return builder.Uri;
    }

    private static Uri Resolve(Uri repository, string listed)
    {
        if (Uri.TryCreate(listed, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https") return absolute;
        var resolved = new UriBuilder(new Uri(repository, listed)) { Query = repository.Query.TrimStart('?') };
        return resolved.Uri;
    }

    // ---- OCI registries ----

    private static async Task<(byte[], string)> FromRegistry(IChartHttp client, ChartReference chart, CancellationToken cancel)
    {
        var reference = chart.Repository.Url["oci://".Length..].TrimEnd('/') + "/" + chart.Name;
        var slash = reference.IndexOf('/');
        if (slash <= 0) throw new ChartDownloadException($"oci://{reference} names no registry host");
        var host = reference[..slash];
        var name = reference[(slash + 1)..];
        var scheme = Uri.TryCreate($"http://{host}/", UriKind.Absolute, out var probe) && probe.IsLoopback ? "http" : "https";
        var tag = chart.Version.Replace('+', '_');
        var manifestUrl = new Uri($"{scheme}://{host}/v2/{name}/manifests/{Uri.EscapeDataString(tag)}");
        string? token = null;
        var answer = await client.GetAsync(manifestUrl, OciManifest, null, MaxSmallBytes, cancel);
        if (answer.Status == 401 && answer.Challenge is { } challenge)
        {
            token = await Token(client, challenge, name, cancel);
            answer = await client.GetAsync(manifestUrl, OciManifest, token, MaxSmallBytes, cancel);
        }
        if (answer.Status == 404) throw new ChartDownloadException($"{manifestUrl}: no tag {tag} in oci://{reference}");
        if (answer.Status != 200) throw new ChartDownloadException($"{manifestUrl} answered {answer.Status}");
        JsonNode? manifest;
        try { manifest = JsonNode.Parse(answer.Body); }
        catch (JsonException e) { throw new ChartDownloadException($"{manifestUrl} did not return a JSON manifest ({e.Message})"); }
        var layer = Manifest.Items(manifest?["layers"]).Select(l => l.Item)
            .FirstOrDefault(l => Manifest.Text(l?["mediaType"]) is ChartLayer or LegacyChartLayer)
            ?? throw new ChartDownloadException($"oci://{reference}:{tag} has no Helm chart layer ({ChartLayer}): is it a chart?");
        var digest = Manifest.Text(layer["digest"]) ?? "";
        if (!Sha256Digest().IsMatch(digest)) throw new ChartDownloadException($"oci://{reference}:{tag}: the chart layer's digest '{digest}' is not a sha256 digest");
        var blobUrl = new Uri($"{scheme}://{host}/v2/{name}/blobs/{digest}");
        var blob = await client.GetAsync(blobUrl, null, token, MaxChartBytes, cancel);
        if (blob.Status != 200) throw new ChartDownloadException($"{blobUrl} answered {blob.Status}");
        var actual = Sha256(blob.Body);
        if (!string.Equals(digest[7..], actual, StringComparison.OrdinalIgnoreCase))
            throw new ChartDownloadException($"{blobUrl} has sha256 {actual}, but the manifest says {digest[7..]}: not cached");
        return (blob.Body, $"from oci://{reference}:{tag}, {digest} as the manifest says");
    }

    /// <summary>An anonymous pull token for the Bearer challenge's realm, service and scope.</summary>
    private static async Task<string> Token(IChartHttp client, string challenge, string name, CancellationToken cancel)
    {
        var fields = ChallengeField().Matches(challenge).ToDictionary(m => m.Groups[1].Value.ToLowerInvariant(), m => m.Groups[2].Value);
        if (!fields.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUrl))
            throw new ChartDownloadException($"the registry asks for a token but names no realm ({challenge})");
        if (!IsAllowed(realmUrl)) throw new ChartDownloadException($"the registry's token realm {realm} is not https: refused");
        var query = new List<string>();
        if (fields.TryGetValue("service", out var service)) query.Add("service=" + Uri.EscapeDataString(service));
        query.Add("scope=" + Uri.EscapeDataString(fields.GetValueOrDefault("scope") ?? $"repository:{name}:pull"));
        var url = new UriBuilder(realmUrl) { Query = string.Join('&', query.Prepend(realmUrl.Query.TrimStart('?')).Where(q => q.Length > 0)) }.Uri;
        var answer = await client.GetAsync(url, "application/json", null, MaxSmallBytes, cancel);
        if (answer.Status != 200) throw new ChartDownloadException($"the token service {realmUrl.GetLeftPart(UriPartial.Path)} answered {answer.Status}: the chart is not public, and homeops pulls anonymously");
        try
        {
            var body = JsonNode.Parse(answer.Body);
            return Manifest.Text(body?["token"]) ?? Manifest.Text(body?["access_token"])
                ?? throw new ChartDownloadException($"the token service {realmUrl.GetLeftPart(UriPartial.Path)} returned no token");
        }
        catch (JsonException e)
        {
            throw new ChartDownloadException($"the token service {realmUrl.GetLeftPart(UriPartial.Path)} did not return JSON ({e.Message})");
        }
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [GeneratedRegex(@"^sha256:[0-9a-f]{64}$")]
    private static partial Regex Sha256Digest();

    [GeneratedRegex(@"([A-Za-z]+)=""([^""]*)""")]
    private static partial Regex ChallengeField();
}
