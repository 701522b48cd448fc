namespace HomeOps.Adapters.Files;

/// <summary>What every download homeops makes shares: origins compared for redirects and tokens, bodies read up to a cap.</summary>
public static class HttpDownloads
{
    public static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    /// <summary>
    /// The body, refused with <paramref name="overCap"/>'s exception once it passes <paramref name="maxBytes"/>: at once when the
    /// announced length says so (the length is passed), else while streaming (null), so nothing over the cap is ever held.
    /// </summary>
    public static async Task<byte[]> ReadCappedAsync(HttpResponseMessage response, long maxBytes, Func<long?, Exception> overCap, CancellationToken cancel)
    {
        if (response.Content.Headers.ContentLength > maxBytes) throw overCap(response.Content.Headers.ContentLength);
        await using var stream = await response.Content.ReadAsStreamAsync(cancel);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancel)) > 0)
        {
            if (buffer.Length + read > maxBytes) throw overCap(null);
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
