using System.Net.Http.Headers;
using System.Security.Authentication;
using HomeOps.Adapters.Files;
using HomeOps.Operations.Charts;

namespace HomeOps.Adapters.Charts;

/// <summary>
/// <see cref="IChartHttp"/> over HttpClient. Redirects are followed here, one hop at a time (package downloads redirect to
/// object stores: GitHub release assets, ghcr.io blobs): every hop must be a URL <see cref="ChartPull.IsAllowed"/> accepts,
/// and the bearer token goes only to the origin it was meant for. Bodies are read up to the caller's cap.
/// </summary>
public sealed class HttpChartClient(HttpClient http) : IChartHttp
{
    private const int MaxRedirects = 5;

    /// <summary>The client downloads need: redirects are not followed by the handler but checked here.</summary>
    public static HttpClient CreateClient() =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromMinutes(2) };

    public async Task<HttpAnswer> GetAsync(Uri url, string? accept, string? bearerToken, long maxBytes, CancellationToken cancel)
    {
        var uri = url;
        try
        {
            for (var hop = 0; ; hop++)
            {
                if (!ChartPull.IsAllowed(uri)) throw new ChartDownloadException($"{uri} is not https (plain http is used only for this machine): refused");
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                if (accept is not null) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
                if (bearerToken is not null && HttpDownloads.SameOrigin(url, uri)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
                var status = (int)response.StatusCode;
                if (status is >= 300 and < 400 && response.Headers.Location is { } location)
                {
                    if (hop >= MaxRedirects) throw new ChartDownloadException($"{url} redirects more than {MaxRedirects} times: refused");
                    uri = new Uri(uri, location);
                    continue;
                }
                var challenge = status == 401 && response.Headers.WwwAuthenticate.FirstOrDefault(h => h.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)) is { } bearer
                    ? bearer.Parameter
                    : null;
                return new HttpAnswer(status, status == 200 ? await HttpDownloads.ReadCappedAsync(response, maxBytes, length => new ChartDownloadException(length is { } announced
                    ? $"{uri} is {announced / (1024 * 1024)} MiB, over the {maxBytes / (1024 * 1024)} MiB cap: refused"
                    : $"{uri} is over the {maxBytes / (1024 * 1024)} MiB cap: refused"), cancel) : [], challenge);
            }
        }
        catch (HttpRequestException e) when (e.InnerException is AuthenticationException || e.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            throw new ChartDownloadException($"TLS failed for {uri.Host} ({e.InnerException?.Message ?? e.Message}); nothing is downloaded without a verified connection");
        }
        catch (HttpRequestException e)
        {
            throw new ChartDownloadException($"{uri.GetLeftPart(UriPartial.Authority)} did not answer ({e.Message})");
        }
        catch (TaskCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new ChartDownloadException($"{uri.GetLeftPart(UriPartial.Authority)} did not answer in time");
        }
    }
}
