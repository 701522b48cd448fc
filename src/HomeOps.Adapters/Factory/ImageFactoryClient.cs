using System.Net;
using System.Text;
using System.Text.Json;
using HomeOps.Adapters.Files;
using HomeOps.Operations.Talos;

namespace HomeOps.Adapters.Factory;

/// <summary>
/// The image factory over HTTP (siderolabs/image-factory internal/frontend/http/configuration.go): POST the schematic's YAML to
/// /schematics, expect 201 and {"id": "..."}. Each ID a factory accepted is remembered in
/// $XDG_CACHE_HOME/homeops/schematics/&lt;factory host&gt;/&lt;id&gt;, so a known schematic is not sent again.
/// With <paramref name="http"/> null (offline mode) nothing is sent.
/// </summary>
public sealed class ImageFactoryClient(HttpClient? http, string cacheDirectory) : IImageFactory
{
    public static string DefaultCacheDirectory => UserCache.Directory("schematics");

    /// <summary>Largest answer read: the factory's reply is a short JSON object.</summary>
    private const int MaxAnswer = 1 << 20;

    public async Task<FactoryAnswer> RegisterAsync(string endpoint, string schematicYaml, string localId, CancellationToken cancel)
    {
        var uri = new Uri(endpoint);
        var marker = Path.Combine(cacheDirectory, Safe(uri.Authority), Safe(localId));
        if (File.Exists(marker)) return new FactoryAnswer(localId, FactoryOutcome.Cached, $"registered with {uri.Authority} before");
        if (http is null) return new FactoryAnswer(null, FactoryOutcome.Offline, "offline mode: nothing was sent");
        HttpResponseMessage response;
        try
        {
            using var content = new StringContent(schematicYaml, Encoding.UTF8, "application/yaml");
            response = await http.PostAsync(uri, content, cancel);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
        {
            return new FactoryAnswer(null, FactoryOutcome.Offline, $"{uri.Authority} did not answer ({e.Message})");
        }
        using (response)
        {
            var body = await ReadAsync(response, cancel);
            if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
                return new FactoryAnswer(null, FactoryOutcome.Refused, $"{uri.Authority} answered {(int)response.StatusCode} {response.ReasonPhrase}: {body.Trim()}");
            string? id;
            try { id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString(); }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return new FactoryAnswer(null, FactoryOutcome.Refused, $"{uri.Authority} answered {(int)response.StatusCode} without an id: {body.Trim()}");
            }
            if (id is null || id.Length != 64 || !id.All(Uri.IsHexDigit))
                return new FactoryAnswer(null, FactoryOutcome.Refused, $"{uri.Authority} answered an id that is not a schematic ID: {id}");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(cacheDirectory, Safe(uri.Authority), Safe(id)))!);
            await File.WriteAllTextAsync(Path.Combine(cacheDirectory, Safe(uri.Authority), Safe(id)), schematicYaml, cancel);
            return new FactoryAnswer(id, FactoryOutcome.Registered, $"{uri.Authority} answered {(int)response.StatusCode}");
        }
    }

    private static async Task<string> ReadAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancel);
        var buffer = new byte[MaxAnswer];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancel)) > 0) read += n;
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    /// <summary>A path segment from a name the repository chose (host:port, an ID): nothing that climbs out of the cache.</summary>
    private static string Safe(string name) =>
        Uri.EscapeDataString(name).Replace("%", "_", StringComparison.Ordinal) is var safe && safe.Trim('.').Length == 0 ? "_" + safe.Length : safe;
}
