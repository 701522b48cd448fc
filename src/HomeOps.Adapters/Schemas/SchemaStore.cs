using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using HomeOps.Adapters.Files;
using HomeOps.Validate.Schema;

namespace HomeOps.Adapters.Schemas;

/// <summary>
/// The <see cref="ISchemaSource"/> over local directories, https bases and the upstream default. What it asks for is
/// checked first (<see cref="SchemaPaths.IsSafe"/>); a local schema is read only when its real path (symlinks
/// followed) is inside its location. Downloads are https only, follow redirects only within the same origin, are
/// capped in size, must be JSON, and a TLS failure is an error (<see cref="SchemaSourceException"/>), never a quiet
/// "not checked". Downloads are cached by content: the cache keeps each document under its SHA-256, checked on every
/// read, and maps the URL to that digest.
/// </summary>
public sealed class SchemaStore(IReadOnlyList<string> locations, string cacheDirectory, HttpClient? http = null) : ISchemaSource
{
    public const string Default = "default";

    /// <summary>The largest schema read or downloaded: the biggest CRD schemas in the datreeio catalog are a few MiB.</summary>
    public const long MaxBytes = 32L * 1024 * 1024;

    private const int MaxRedirects = 5;

    public static string DefaultCacheDirectory => UserCache.Directory("schemas");

    /// <summary>Downloads by content, urls/ naming what each URL returned.</summary>
    private readonly DigestCache _cache = new(cacheDirectory, "urls", MaxBytes);

    /// <summary>The client downloads need: redirects are not followed by the handler but checked here, one hop at a time.</summary>
    public static HttpClient CreateClient() =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(3) }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Why <paramref name="location"/> cannot be a schema location (plain http, another scheme); null when it can.</summary>
    public static string? Problem(string location)
    {
        if (location == Default || !location.Contains("://", StringComparison.Ordinal)) return null;
        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri)) return $"schema location '{location}' is not a URL";
        return uri.Scheme == Uri.UriSchemeHttps
            ? null
            : $"schema location '{location}' is not https: schemas decide what passes, so they are only fetched over https (or give a local directory)";
    }

    /// <summary>
    /// HOMEOPS_SCHEMA_LOCATION: locations separated by ':' as in PATH, but the ':' of a URL's scheme
    /// ("https://") and of its port ("host:8443/") do not separate.
    /// </summary>
    public static List<string> SplitLocations(string? value)
    {
        var result = new List<string>();
        if (string.IsNullOrEmpty(value)) return result;
        var parts = value.Split(':');
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part is "https" or "http" && i + 1 < parts.Length && parts[i + 1].StartsWith("//", StringComparison.Ordinal))
            {
                part += ":" + parts[++i];
                // a port: digits up to the path or the end
                if (i + 1 < parts.Length && parts[i + 1].Length > 0 && char.IsAsciiDigit(parts[i + 1][0])
                    && parts[i + 1].TakeWhile(char.IsAsciiDigit).Count() is var digits && (digits == parts[i + 1].Length || parts[i + 1][digits] == '/'))
                    part += ":" + parts[++i];
            }
            if (part.Length > 0) result.Add(part);
        }
        return result;
    }

    private readonly Dictionary<string, (string?, string)> _found = new(StringComparer.Ordinal);

    /// <summary>Hosts that did not answer once in this run: not asked again, so offline costs one short attempt per source.</summary>
    private readonly HashSet<string> _unreachable = new(StringComparer.OrdinalIgnoreCase);

    private readonly Lock _gate = new();

    public (string? Text, string Origin) Find(string relativePath)
    {
        lock (_gate)
        {
            if (_found.TryGetValue(relativePath, out var known)) return known;
            if (!SchemaPaths.IsSafe(relativePath)) return _found[relativePath] = (null, $"nothing: '{relativePath}' is not a plain relative schema path");
            var tried = new List<string>();
            foreach (var location in locations)
            {
                string? url;
                if (location == Default) url = Upstream(relativePath);
                else if (location.Contains("://", StringComparison.Ordinal))
                    url = Problem(location) is null ? $"{location.TrimEnd('/')}/{string.Join('/', relativePath.Split('/').Select(Uri.EscapeDataString))}" : null;
                else
                {
                    var (text, file) = ReadLocal(location, relativePath);
                    tried.Add(file);
                    if (text is not null) return _found[relativePath] = (text, file);
                    continue;
                }
                if (url is null) continue;
                tried.Add(url);
                if (Download(url) is { } downloaded) return _found[relativePath] = (downloaded, url);
            }
            return _found[relativePath] = (null, string.Join(", ", tried));
        }
    }

    /// <summary>Where the upstream projects publish the same schemas (CRDs via the datreeio catalog, as kubeconform uses).</summary>
    private static string? Upstream(string relativePath)
    {
        var parts = relativePath.Split('/').Select(Uri.EscapeDataString).ToArray();
        return parts switch
        {
            ["talos", var line, "config.schema.json"] =>
                $"https://raw.githubusercontent.com/siderolabs/talos/main/website/content/{line}/schemas/config.schema.json",
            ["crds", var group, var file] => $"https://raw.githubusercontent.com/datreeio/CRDs-catalog/main/{group}/{file}",
            _ => null,
        };
    }

    /// <summary>A regular file inside the location (its real path, symlinks followed), at most <see cref="MaxBytes"/>; else null.</summary>
    private static (string? Text, string File) ReadLocal(string location, string relativePath)
    {
        var root = Path.GetFullPath(location);
        var file = Path.Combine(root, relativePath);
        try
        {
            var real = RealPath.Resolve(file);
            if (!RealPath.IsInside(RealPath.Resolve(root), real)) return (null, $"{file} (refused: it resolves outside {root})");
            var info = new FileInfo(real);
            // a FIFO or a device has no length: never opened (it could block, or never end)
            if (!info.Exists || info.Length == 0) return (null, file);
            if (info.Length > MaxBytes) return (null, $"{file} (refused: over {MaxBytes / (1024 * 1024)} MiB)");
            return (File.ReadAllText(real), file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"{file} ({e.Message})");
        }
    }

    private string? Download(string url)
    {
        var start = new Uri(url);
        if (start.Scheme != Uri.UriSchemeHttps) return null;
        if (_cache.Find(url) is { } cached) return Encoding.UTF8.GetString(cached);
        if (http is null || _unreachable.Contains(start.Host)) return null;
        try
        {
            var uri = start;
            for (var hop = 0; ; hop++)
            {
                using var response = http.SendAsync(new HttpRequestMessage(HttpMethod.Get, uri), HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
                if (response.RequestMessage?.RequestUri is { } answered && !HttpDownloads.SameOrigin(start, answered))
                    throw new SchemaSourceException($"{url} was redirected to {answered.GetLeftPart(UriPartial.Authority)}, another origin; refused");
                var status = (int)response.StatusCode;
                if (status is >= 300 and < 400 && response.Headers.Location is { } location)
                {
                    var next = new Uri(uri, location);
                    if (!HttpDownloads.SameOrigin(start, next))
                        throw new SchemaSourceException($"{url} redirects to {next.GetLeftPart(UriPartial.Authority)}, another origin; refused");
                    if (hop >= MaxRedirects) throw new SchemaSourceException($"{url} redirects more than {MaxRedirects} times; refused");
                    uri = next;
                    continue;
                }
                if (!response.IsSuccessStatusCode) return null; // the host answered: only this document is missing
                var text = ReadCapped(url, response);
                try { using var _ = JsonDocument.Parse(text); }
                catch (JsonException e) { throw new SchemaSourceException($"{url} did not return JSON ({e.Message}); refused"); }
                _cache.Store(url, Encoding.UTF8.GetBytes(text)); // an unwritable cache only costs the next run a download
                return text;
            }
        }
        catch (HttpRequestException e) when (e.InnerException is AuthenticationException || e.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            throw new SchemaSourceException($"TLS failed for {start.Host} ({e.InnerException?.Message ?? e.Message}); a schema fetched without a verified connection could be anything, so it is not used");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            _unreachable.Add(start.Host); // no answer (offline, DNS, timeout): one attempt per source and run
            return null;
        }
    }

    private static string ReadCapped(string url, HttpResponseMessage response) =>
        Encoding.UTF8.GetString(HttpDownloads.ReadCappedAsync(response, MaxBytes, length => new SchemaSourceException(length is { } announced
            ? $"{url} is {announced / (1024 * 1024)} MiB, over the {MaxBytes / (1024 * 1024)} MiB cap; refused"
            : $"{url} is over the {MaxBytes / (1024 * 1024)} MiB cap; refused"), CancellationToken.None).GetAwaiter().GetResult());
}
