using HomeOps.Validate.Schema;

namespace HomeOps.Adapters.Schemas;

/// <summary>The <see cref="ISchemaSource"/> over local directories, http(s) bases and the upstream default, with a download cache.</summary>
public sealed class SchemaStore(IReadOnlyList<string> locations, string cacheDirectory, HttpClient? http = null) : ISchemaSource
{
    public const string Default = "default";

    public static string DefaultCacheDirectory =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "homeops", "schemas");

    private readonly Dictionary<string, (string?, string)> _found = new(StringComparer.Ordinal);

    /// <summary>Hosts that did not answer once in this run: not asked again, so offline costs one short attempt per source.</summary>
    private readonly HashSet<string> _unreachable = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();

    public (string? Text, string Origin) Find(string relativePath)
    {
        lock (_gate)
        {
            if (_found.TryGetValue(relativePath, out var known)) return known;
            var tried = new List<string>();
            foreach (var location in locations)
            {
                var url = location == Default ? Upstream(relativePath) : null;
                if (url is null && !location.StartsWith("http", StringComparison.Ordinal))
                {
                    if (location == Default) continue;
                    var file = Path.Combine(location, relativePath);
                    tried.Add(file);
                    if (File.Exists(file)) return _found[relativePath] = (File.ReadAllText(file), file);
                    continue;
                }
                url ??= $"{location.TrimEnd('/')}/{relativePath}";
                tried.Add(url);
                if (Download(url) is { } text) return _found[relativePath] = (text, url);
            }
            return _found[relativePath] = (null, string.Join(", ", tried));
        }
    }

    /// <summary>Where the upstream projects publish the same schemas (CRDs via the datreeio catalog, as kubeconform uses).</summary>
    private static string? Upstream(string relativePath)
    {
        var parts = relativePath.Split('/');
        return parts switch
        {
            ["talos", var line, "config.schema.json"] =>
                $"https://raw.githubusercontent.com/siderolabs/talos/main/website/content/{line}/schemas/config.schema.json",
            ["crds", var group, var file] => $"https://raw.githubusercontent.com/datreeio/CRDs-catalog/main/{group}/{file}",
            _ => null,
        };
    }

    private string? Download(string url)
    {
        var cached = Path.Combine(cacheDirectory, Uri.EscapeDataString(url));
        if (File.Exists(cached)) return File.ReadAllText(cached);
        if (http is null) return null;
        var host = new Uri(url).Host;
        if (_unreachable.Contains(host)) return null;
        try
        {
            var text = http.GetStringAsync(url).GetAwaiter().GetResult();
            Directory.CreateDirectory(cacheDirectory);
            var temp = cached + ".tmp";
            File.WriteAllText(temp, text);
            File.Move(temp, cached, overwrite: true);
            return text;
        }
        catch (HttpRequestException e) when (e.StatusCode is not null)
        {
            return null; // the host answered: only this file is missing
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            _unreachable.Add(host); // no answer (offline, DNS, timeout): one attempt per source and run
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
