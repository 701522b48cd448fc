using HomeOps.Compile.Flux;

namespace HomeOps.Validate.Charts;

/// <summary>
/// The packaged charts `homeops charts pull` cached, read-only: validate never downloads and never knows where the cache
/// lives. Adapters implement it over the cache directory; a run without one uses <see cref="NoCharts"/>.
/// </summary>
public interface IChartSource
{
    /// <summary>The chart's .tgz exactly as its repository served it (its digest checked), or null when it is not cached.</summary>
    byte[]? Find(ChartReference chart);
}

/// <summary>No chart is cached.</summary>
public sealed class NoCharts : IChartSource
{
    public static readonly NoCharts Instance = new();

    public byte[]? Find(ChartReference chart) => null;
}
