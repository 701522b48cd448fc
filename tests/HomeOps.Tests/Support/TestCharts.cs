using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using HomeOps.Compile.Flux;
using HomeOps.Validate.Charts;

namespace HomeOps.Tests.Support;

/// <summary>Small charts of our own, packaged at test time the way `helm package` lays them out: one top directory named after the chart.</summary>
public static class TestCharts
{
    /// <summary>A chart .tgz holding &lt;name&gt;/ + each of <paramref name="files"/> (paths relative to the chart directory).</summary>
    public static byte[] Pack(string name, IReadOnlyDictionary<string, string> files)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: false))
        {
            foreach (var (path, text) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, $"{name}/{path}") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) };
                tar.WriteEntry(entry);
            }
        }
        return output.ToArray();
    }

    /// <summary>Chart "demo": replicaCount (integer in its schema), an empty podAnnotations map, image.tag, a redis dependency.</summary>
    public static byte[] Demo(string version = "1.0.0") => Pack("demo", new Dictionary<string, string>
    {
        ["Chart.yaml"] = $"apiVersion: v2\nname: demo\nversion: {version}\ndependencies:\n  - name: redis\n    version: 1.0.0\n    condition: redis.enabled\n",
        ["values.yaml"] = "replicaCount: 1\npodAnnotations: {}\nimage:\n  repository: example/demo\n  tag: \"\"\n# fullnameOverride: \"\"\n",
        ["values.schema.json"] = """
            {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
             "properties": {"replicaCount": {"type": "integer", "minimum": 0},
                            "image": {"type": "object", "properties": {"tag": {"type": "string"}}}}}
            """,
        ["templates/deployment.yaml"] = "kind: Deployment\n",
        ["charts/redis/Chart.yaml"] = "apiVersion: v2\nname: redis\nversion: 1.0.0\n",
    });

    /// <summary>Every file under <paramref name="directory"/> (a chart directory) packed as chart <paramref name="name"/>.</summary>
    public static byte[] PackDirectory(string name, string directory) =>
        Pack(name, Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(directory, f).Replace('\\', '/'), File.ReadAllText));

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}

/// <summary>Charts for the rule fixtures: tests/fixtures/charts/&lt;name&gt;-&lt;version&gt;/ packed when asked for, whatever the repository URL.</summary>
public sealed class FixtureCharts(string directory) : IChartSource
{
    public byte[]? Find(ChartReference chart)
    {
        var dir = Path.Combine(directory, $"{chart.Name}-{chart.Version}");
        return Directory.Exists(dir) ? TestCharts.PackDirectory(chart.Name, dir) : null;
    }
}

/// <summary>An HTTP server on 127.0.0.1 for the length of a test: each request goes to the handler given.</summary>
public sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public LoopbackServer(Func<HttpListenerRequest, (int Status, byte[] Body, Dictionary<string, string>? Headers)> handle)
    {
        for (var attempt = 0; ; attempt++)
        {
            var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try { _listener.Start(); break; }
            catch (HttpListenerException) when (attempt < 5) { }
        }
        _loop = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                var (status, body, headers) = handle(context.Request);
                Requests.Enqueue($"{context.Request.Url!.PathAndQuery} auth={context.Request.Headers["Authorization"]}");
                context.Response.StatusCode = status;
                foreach (var (key, value) in headers ?? []) context.Response.Headers[key] = value;
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        });
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>What was asked: path and query, and the Authorization header.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Requests { get; } = new();

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
