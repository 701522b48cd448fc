using HomeOps.Compile.Flux;
using HomeOps.Validate.Charts;

namespace HomeOps.Operations.Charts;

/// <summary>What a GET answered: the status, the body (cut at the cap the caller gave), and a 401's Bearer challenge.</summary>
/// <param name="Challenge">The WWW-Authenticate header of a 401 when its scheme is Bearer, else null.</param>
public sealed record HttpAnswer(int Status, byte[] Body, string? Challenge = null);

/// <summary>The network, as `homeops charts pull` needs it: plain GETs. Adapters implement it with HttpClient.</summary>
public interface IChartHttp
{
    /// <summary>
    /// GETs <paramref name="url"/>, following redirects only to URLs <see cref="ChartPull.IsAllowed"/> accepts and sending the
    /// bearer token only to the origin it was asked for. Throws <see cref="ChartDownloadException"/> when there is no answer
    /// (offline, DNS, TLS, a timeout) or the body is over <paramref name="maxBytes"/>.
    /// </summary>
    Task<HttpAnswer> GetAsync(Uri url, string? accept, string? bearerToken, long maxBytes, CancellationToken cancel);
}

/// <summary>A download that got no usable answer; the message says why.</summary>
public sealed class ChartDownloadException(string message) : Exception(message);

/// <summary>The chart cache as `charts pull` fills it; validate reads the same cache through <see cref="IChartSource"/>.</summary>
public interface IChartCache : IChartSource
{
    /// <summary>Keeps <paramref name="tgz"/> (whose digest the caller checked) as <paramref name="chart"/>; false when it could not be written.</summary>
    bool Store(ChartReference chart, byte[] tgz);
}
