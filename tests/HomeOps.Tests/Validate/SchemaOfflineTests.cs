using System.Net;
using HomeOps.Adapters.Schemas;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Validate;

/// <summary>Offline, a run costs one attempt per schema source: a host that does not answer is not asked again.</summary>
public sealed class SchemaOfflineTests
{
    private sealed class CountingHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests++;
            return Task.FromResult(answer(request));
        }
    }

    [Fact]
    public void A_host_that_does_not_answer_is_tried_once_per_run()
    {
        using var cache = new TempDir();
        var handler = new CountingHandler(_ => throw new HttpRequestException("Name or service not known"));
        var store = new SchemaStore([SchemaStore.Default], cache.Path, new HttpClient(handler));
        foreach (var kind in new[] { "grafanadashboard", "pocketidoidcclient", "silence", "objectstore" })
        {
            var (text, origin) = store.Find($"crds/example.invalid/{kind}_v1.json");
            Assert.Null(text);
            Assert.Contains("raw.githubusercontent.com", origin);
        }
        Assert.Equal(1, handler.Requests);
    }

    [Fact]
    public void A_host_that_answers_404_is_asked_for_each_file()
    {
        using var cache = new TempDir();
        var handler = new CountingHandler(_ => new HttpResponseMessage(HttpStatusCode.NotFound));
        var store = new SchemaStore([SchemaStore.Default], cache.Path, new HttpClient(handler));
        Assert.Null(store.Find("crds/example.invalid/a_v1.json").Text);
        Assert.Null(store.Find("crds/example.invalid/b_v1.json").Text);
        Assert.Equal(2, handler.Requests);
    }
}
