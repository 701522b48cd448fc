using System.Net;
using System.Text;
using HomeOps.Adapters.Factory;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Operations.Talos;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Talos;

/// <summary>`homeops talos schematic`: the factory client over a fake HTTP handler that answers as image-factory's POST /schematics does.</summary>
public sealed class SchematicRegistrationTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Answers POST /schematics with 201 and the ID of the body (what the factory hashes is its own re-serialisation, equal for our bytes).</summary>
    private sealed class Factory(Func<string, HttpResponseMessage>? answer = null) : HttpMessageHandler
    {
        public List<(HttpMethod Method, Uri Uri, string Body, string? ContentType)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancel)
        {
            var body = await request.Content!.ReadAsStringAsync(cancel);
            Requests.Add((request.Method, request.RequestUri!, body, request.Content.Headers.ContentType?.MediaType));
            if (answer is not null) return answer(body);
            var id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(body)));
            return new HttpResponseMessage(HttpStatusCode.Created) { Content = new StringContent($"{{\"id\":\"{id}\",\"schematic\":\"...\"}}", Encoding.UTF8, "application/json") };
        }
    }

    private static TalosPlan Plan(string root = "")
    {
        var findings = new FindingBag();
        return TalosCompiler.Plan(new HomeOps.Adapters.Files.DiskSourceTree(root.Length == 0 ? Repo.Root : root), "talconfig.yaml", new Dictionary<string, string>(), findings)
            ?? throw new Xunit.Sdk.XunitException(string.Join("\n", findings.Sorted()));
    }

    [Fact]
    public async Task Each_distinct_schematic_is_posted_once_and_remembered()
    {
        var plan = Plan(ClusterRenderTests.Configs["storage-network"]);
        var handler = new Factory();
        using var http = new HttpClient(handler);
        var client = new ImageFactoryClient(http, _temp.File("cache"));

        var first = await SchematicRegistration.RegisterAsync(plan, client, CancellationToken.None);
        // the GPU node has its own schematic; the boot media use the same two
        var ids = plan.Nodes.Select(n => SchematicId.Of(n.Settings.Schematic)).Distinct().ToList();
        Assert.Equal(2, ids.Count);
        Assert.Equal(ids, handler.Requests.Select(r => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(r.Body)))));
        Assert.All(handler.Requests, r => Assert.Equal((HttpMethod.Post, "https://factory.talos.dev/schematics", "application/yaml"), (r.Method, r.Uri.ToString(), r.ContentType)));
        Assert.Equal(SchematicId.Canonical(plan.Nodes[0].Settings.Schematic), handler.Requests[0].Body);
        Assert.All(first.Where(s => s.Purpose == "installer"), s => Assert.Equal(FactoryOutcome.Registered, s.Outcome));
        Assert.All(first, s => Assert.Equal(s.LocalId, s.Id));

        var again = await SchematicRegistration.RegisterAsync(plan, client, CancellationToken.None);
        Assert.Equal(2, handler.Requests.Count); // nothing sent the second time
        Assert.All(again, s => Assert.Equal(FactoryOutcome.Cached, s.Outcome));
    }

    [Fact]
    public async Task Offline_nothing_is_sent_and_the_local_id_is_used()
    {
        var statuses = await SchematicRegistration.RegisterAsync(Plan(), new ImageFactoryClient(null, _temp.File("cache")), CancellationToken.None);
        Assert.All(statuses, s => Assert.Equal((FactoryOutcome.Offline, "615c22e9dab5b2fa4c8d14d516f047ad747f8e97a93f2ccd4cbb6733eeafd35b"), (s.Outcome, s.Id)));

        var unreachable = new Factory(_ => throw new HttpRequestException("Name or service not known"));
        using var http = new HttpClient(unreachable);
        var down = await SchematicRegistration.RegisterAsync(Plan(), new ImageFactoryClient(http, _temp.File("cache")), CancellationToken.None);
        Assert.All(down, s => Assert.Equal(FactoryOutcome.Offline, s.Outcome));
        Assert.Contains("Name or service not known", down[0].Detail);
        Assert.False(Directory.Exists(_temp.File("cache")));
    }

    [Fact]
    public async Task A_refusal_is_reported_with_the_factorys_words_and_not_cached()
    {
        var refusing = new Factory(_ => new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent("extension \"siderolabs/nope\" is not available") });
        using var http = new HttpClient(refusing);
        var statuses = await SchematicRegistration.RegisterAsync(Plan(), new ImageFactoryClient(http, _temp.File("cache")), CancellationToken.None);
        Assert.All(statuses, s => Assert.Equal(FactoryOutcome.Refused, s.Outcome));
        Assert.Contains("factory.talos.dev answered 400 Bad Request: extension \"siderolabs/nope\" is not available", statuses[0].Detail);
        Assert.False(Directory.Exists(_temp.File("cache")));
    }

    [Fact]
    public async Task The_factorys_id_wins_when_it_differs()
    {
        const string other = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        var factory = new Factory(_ => new HttpResponseMessage(HttpStatusCode.Created) { Content = new StringContent($"{{\"id\":\"{other}\"}}") });
        using var http = new HttpClient(factory);
        var status = (await SchematicRegistration.RegisterAsync(Plan(), new ImageFactoryClient(http, _temp.File("cache")), CancellationToken.None))[0];
        Assert.Equal((other, "615c22e9dab5b2fa4c8d14d516f047ad747f8e97a93f2ccd4cbb6733eeafd35b"), (status.Id, status.LocalId));
        Assert.Equal($"factory.talos.dev/metal-installer/{other}:v1.10.5", status.Url);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("0", "--dry-run")] // --dry-run sends nothing even when the environment allows the network
    public void The_command_offline_says_so_and_prints_the_local_ids(string offline, params string[] args)
    {
        var result = Process.HomeOps(Repo.Root, new Dictionary<string, string> { ["HOMEOPS_OFFLINE"] = offline }, ["talos", "schematic", .. args]);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("installer  615c22e9dab5b2fa4c8d14d516f047ad747f8e97a93f2ccd4cbb6733eeafd35b  mini01, mini02, mini03", result.Stdout);
        Assert.Contains("offline, using the local ID", result.Stdout);
        Assert.Contains("factory.talos.dev/metal-installer/615c22e9dab5b2fa4c8d14d516f047ad747f8e97a93f2ccd4cbb6733eeafd35b:v1.10.5", result.Stdout);
    }
}
