using System.Net;
using System.Security.Authentication;
using HomeOps.Adapters.Schemas;
using HomeOps.Tests.Support;
using HomeOps.Validate.Schema;

namespace HomeOps.Tests.Security;

/// <summary>
/// Issue 17, item 7: schema downloads are https only, follow redirects only within the origin, are capped, a TLS
/// failure is an error, the cache is checked by digest, the upstream location is used only when asked for, and
/// HOMEOPS_SCHEMA_LOCATION keeps URLs whole. The network is a fake handler: what a real handler would answer.
/// </summary>
public sealed class SchemaFetchTests
{
    private const string Base = "https://schemas.example.org/k8s";
    private const string Path1 = "crds/example.org/widget_v1.json";
    private const string Schema = """{"type":"object","properties":{"spec":{"type":"object","required":["size"]}}}""";

    /// <summary>Answers each request with what <paramref name="answer"/> says; records every URL asked.</summary>
    private sealed class FakeNetwork(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<Uri> Asked { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Asked.Add(request.RequestUri!);
            var response = answer(request);
            response.RequestMessage ??= request;
            return Task.FromResult(response);
        }
    }

    private static HttpResponseMessage Json(string text) => new(HttpStatusCode.OK) { Content = new StringContent(text) };

    [Fact]
    public void A_download_redirected_to_another_origin_is_refused()
    {
        using var temp = new TempDir();
        // what SocketsHttpHandler hands back after following a redirect: the response, with the final request's URI
        var network = new FakeNetwork(request => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent("{}"),
            RequestMessage = new HttpRequestMessage(HttpMethod.Get, "https://attacker.example.net/anything.json"),
        });
        var store = new SchemaStore([Base], temp.File("cache"), new HttpClient(network));
        var e = Assert.Throws<SchemaSourceException>(() => store.Find(Path1));
        Assert.Contains("another origin", e.Message);
    }

    [Fact]
    public void A_redirect_within_the_origin_is_followed_and_one_off_it_is_not()
    {
        using var temp = new TempDir();
        var network = new FakeNetwork(request => request.RequestUri!.AbsolutePath switch
        {
            "/k8s/crds/example.org/widget_v1.json" => new HttpResponseMessage(HttpStatusCode.Found) { Headers = { Location = new Uri("/moved/widget_v1.json", UriKind.Relative) } },
            "/moved/widget_v1.json" => Json(Schema),
            _ => new HttpResponseMessage(HttpStatusCode.Found) { Headers = { Location = new Uri("https://other.example.net/x.json") } },
        });
        var store = new SchemaStore([Base], temp.File("cache"), new HttpClient(network));
        Assert.Equal(Schema, store.Find(Path1).Text);
        Assert.Throws<SchemaSourceException>(() => store.Find("crds/example.org/gadget_v1.json"));
        Assert.DoesNotContain(network.Asked, u => u.Host == "other.example.net");
    }

    [Fact]
    public void A_download_over_the_cap_is_refused_while_streaming()
    {
        using var temp = new TempDir();
        var network = new FakeNetwork(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new EndlessJson()) });
        var store = new SchemaStore([Base], temp.File("cache"), new HttpClient(network));
        var e = Assert.Throws<SchemaSourceException>(() => store.Find(Path1));
        Assert.Contains("cap", e.Message);
    }

    [Fact]
    public void A_tls_failure_is_an_error_not_a_missing_schema()
    {
        using var temp = new TempDir();
        var network = new FakeNetwork(_ => throw new HttpRequestException("The SSL connection could not be established",
            new AuthenticationException("The remote certificate is invalid according to the validation procedure")));
        var store = new SchemaStore([Base], temp.File("cache"), new HttpClient(network));
        var e = Assert.Throws<SchemaSourceException>(() => store.Find(Path1));
        Assert.Contains("TLS", e.Message);
    }

    [Fact]
    public void A_tls_failure_makes_validate_report_an_error()
    {
        using var temp = new TempDir();
        temp.Write("apps/widget.yaml", "apiVersion: example.org/v1\nkind: Widget\nmetadata:\n  name: w\nspec: {}\n");
        var network = new FakeNetwork(_ => throw new HttpRequestException("ssl", new AuthenticationException("bad certificate")));
        var validator = new HomeOps.Validate.Engine.Validator(HomeOps.Validate.Engine.RuleCatalog.All());
        var model = new HomeOps.Adapters.Files.DiskRepository(new Validation.NoGit()).Load(temp.Path, new Dictionary<string, string>());
        var report = validator.Run(model, validator.Select([], []), new SchemaStore([Base], temp.File("cache"), new HttpClient(network)), TimeSpan.Zero);
        Assert.Contains(report.Findings, f => f.Rule == "schema/crd" && f.Severity == HomeOps.Model.Severity.Error && f.Message.Contains("TLS", StringComparison.Ordinal));
    }

    [Fact]
    public void Plain_http_is_never_fetched()
    {
        using var temp = new TempDir();
        var network = new FakeNetwork(_ => Json("{}"));
        var store = new SchemaStore(["http://schemas.example.org/k8s"], temp.File("cache"), new HttpClient(network));
        Assert.Null(store.Find(Path1).Text);
        Assert.Empty(network.Asked);
        Assert.NotNull(SchemaStore.Problem("http://schemas.example.org/k8s"));
        Assert.Null(SchemaStore.Problem(Base));
    }

    [Trait(Category.Name, Category.EndToEnd)]
    [Fact]
    public void Validate_refuses_an_http_schema_location_as_bad_input()
    {
        using var temp = new TempDir();
        temp.Write("apps/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
        var result = Process.HomeOps(temp.Path, "validate", "--schema-location", "http://127.0.0.1:9/schemas");
        Assert.True(result.ExitCode == 2, result.Output);
        Assert.Contains("not https", result.Stderr);
    }

    [Fact]
    public void A_tampered_cache_entry_is_not_used()
    {
        using var temp = new TempDir();
        var network = new FakeNetwork(_ => Json(Schema));
        Assert.Equal(Schema, new SchemaStore([Base], temp.File("cache"), new HttpClient(network)).Find(Path1).Text);
        // poison every file the cache holds, as a plain-http answer or a local attacker would
        foreach (var file in Directory.EnumerateFiles(temp.File("cache"), "*", SearchOption.AllDirectories)) File.WriteAllText(file, "{}");
        Assert.Equal(Schema, new SchemaStore([Base], temp.File("cache"), new HttpClient(network)).Find(Path1).Text);
        Assert.Equal(2, network.Asked.Count);
        // offline, a good cache entry still serves
        Assert.Equal(Schema, new SchemaStore([Base], temp.File("cache")).Find(Path1).Text);
    }

    [Fact]
    public void The_schema_location_variable_keeps_urls_whole()
    {
        Assert.Equal(["/srv/schemas", "https://schemas.example.org:8443/k8s", "default", "https://b.example.org/x"],
            SchemaStore.SplitLocations("/srv/schemas:https://schemas.example.org:8443/k8s:default:https://b.example.org/x"));
    }

    [Trait(Category.Name, Category.EndToEnd)]
    [Fact]
    public void The_schema_location_variable_reaches_the_url_as_written_and_a_directory_alone_stays_offline()
    {
        using var temp = new TempDir();
        temp.Write("apps/widget.yaml", "apiVersion: example.org/v1\nkind: Widget\nmetadata:\n  name: w\nspec: {}\n");
        var result = Process.HomeOps(temp.Path, new Dictionary<string, string> { ["HOMEOPS_SCHEMA_LOCATION"] = $"{Repo.Schemas}:https://127.0.0.1:9/k8s" },
            "validate", "--format", "json");
        Assert.Contains($"https://127.0.0.1:9/k8s/{Path1}", result.Stdout);
        Assert.DoesNotContain("raw.githubusercontent.com", result.Stdout);
        var local = Process.HomeOps(temp.Path, "validate", "--format", "json", "--schema-location", Repo.Schemas);
        Assert.DoesNotContain("raw.githubusercontent.com", local.Stdout);
    }

    /// <summary>A 40 MiB body, '[' then "0,": over the cap, produced as it is read (no 40 MiB buffer in the test).</summary>
    private sealed class EndlessJson : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            count = (int)Math.Min(count, (40L << 20) - _position);
            for (var i = 0; i < count; i++) buffer[offset + i] = _position++ == 0 ? (byte)'[' : (_position % 2 == 0 ? (byte)'0' : (byte)',');
            return count;
        }
    }
}
