using HomeOps.Adapters.Files;
using HomeOps.Compile.Flux;
using HomeOps.Operations.Charts;

namespace HomeOps.Adapters.Charts;

/// <summary>
/// The chart cache on disk, beside the schema cache: a <see cref="DigestCache"/> whose refs/ name each package by its chart's
/// repository, name and version.
/// </summary>
public sealed class ChartCache(string directory) : IChartCache
{
    private readonly DigestCache _cache = new(directory, "refs", ChartPull.MaxChartBytes);

    public static string DefaultDirectory => UserCache.Directory("charts");

    public byte[]? Find(ChartReference chart) => _cache.Find(Key(chart));

    public bool Store(ChartReference chart, byte[] tgz) => _cache.Store(Key(chart), tgz);

    private static string Key(ChartReference chart) => $"{(chart.Repository.Oci ? "oci" : "http")}\n{chart.Repository.Url}\n{chart.Name}\n{chart.Version}";
}
