using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace HomeOps.Validate.Charts;

/// <summary>A packaged chart that is not a readable chart archive (not gzip, not tar, no Chart.yaml, over a size cap).</summary>
public sealed class ChartPackageException(string message) : Exception(message);

/// <summary>
/// What validate reads from a packaged chart (a gzip-compressed tar, as `helm package` writes it: one top directory named
/// after the chart holding Chart.yaml, values.yaml, optionally values.schema.json, and charts/&lt;dependency&gt;/ for vendored
/// subcharts; helm/helm v3.16 pkg/chart/loader/archive.go). Read in memory, with caps so a hostile archive cannot exhaust it.
/// </summary>
public sealed class ChartPackage
{
    /// <summary>The largest file read out of a chart (a big values.yaml is a few hundred KiB; kube-prometheus-stack's is ~200 KiB).</summary>
    public const long MaxFileBytes = 8L * 1024 * 1024;

    /// <summary>The most uncompressed bytes read from one archive: a bound on decompression bombs.</summary>
    public const long MaxTotalBytes = 256L * 1024 * 1024;

    public required string Name { get; init; }

    public required string ChartYaml { get; init; }

    public string? ValuesYaml { get; init; }

    public string? ValuesSchemaJson { get; init; }

    /// <summary>The directory names under charts/ (vendored subcharts, unpacked or as .tgz files, the ".tgz" dropped).</summary>
    public required IReadOnlySet<string> Subcharts { get; init; }

    public static ChartPackage Read(byte[] tgz)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var subcharts = new HashSet<string>(StringComparer.Ordinal);
        string? top = null;
        long total = 0;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(tgz, writable: false), CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                total += entry.Length;
                if (total > MaxTotalBytes) throw new ChartPackageException($"the archive unpacks to over {MaxTotalBytes / (1024 * 1024)} MiB");
                var parts = entry.Name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length < 2 || parts.Contains("..")) continue;
                top ??= parts[0];
                if (parts[0] != top) continue;
                if (parts[1] == "charts" && parts.Length >= 3)
                {
                    subcharts.Add(parts.Length == 3 && parts[2].EndsWith(".tgz", StringComparison.Ordinal) ? parts[2][..^4] : parts[2]);
                    continue;
                }
                if (parts.Length != 2 || entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
                if (parts[1] is not ("Chart.yaml" or "values.yaml" or "values.schema.json")) continue;
                if (entry.Length > MaxFileBytes) throw new ChartPackageException($"{entry.Name} is over {MaxFileBytes / (1024 * 1024)} MiB");
                using var buffer = new MemoryStream();
                entry.DataStream.CopyTo(buffer);
                files[parts[1]] = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new ChartPackageException($"not a gzip-compressed tar archive ({e.Message})");
        }
        if (top is null || !files.TryGetValue("Chart.yaml", out var chartYaml))
            throw new ChartPackageException("no <chart>/Chart.yaml in the archive: not a packaged Helm chart");
        return new ChartPackage
        {
            Name = top,
            ChartYaml = chartYaml,
            ValuesYaml = files.GetValueOrDefault("values.yaml"),
            ValuesSchemaJson = files.GetValueOrDefault("values.schema.json"),
            Subcharts = subcharts,
        };
    }
}
