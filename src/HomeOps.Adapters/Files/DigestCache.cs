using System.Security.Cryptography;
using System.Text;

namespace HomeOps.Adapters.Files;

/// <summary>
/// Downloads kept by content: sha256/&lt;digest&gt; holds bytes under their SHA-256, checked on every read (a file changed on
/// disk is not used), and &lt;index&gt;/&lt;sha256 of a key&gt; names the digest the key last stored. Written through
/// <see cref="SafeFiles"/> (private directories, staged then renamed), so a reader never sees half a file. The schema store
/// keys it by URL, the chart cache by repository, chart and version. A cache that cannot be read or written only costs a
/// download.
/// </summary>
public sealed class DigestCache(string directory, string index, long maxBytes)
{
    /// <summary>What <paramref name="key"/> last stored, if it is still intact and at most the cap; else null.</summary>
    public byte[]? Find(string key)
    {
        try
        {
            var reference = IndexPath(key);
            if (!File.Exists(reference)) return null;
            var digest = File.ReadAllText(reference).Trim();
            if (digest.Length != 64 || !digest.All(char.IsAsciiHexDigitLower)) return null;
            var blob = BlobPath(digest);
            if (!File.Exists(blob) || new FileInfo(blob).Length > maxBytes) return null;
            var bytes = File.ReadAllBytes(blob);
            return Hex(bytes) == digest ? bytes : null; // changed on disk: not used, downloaded again
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Keeps <paramref name="bytes"/> as what <paramref name="key"/> names; false when the cache could not be written.</summary>
    public bool Store(string key, byte[] bytes)
    {
        try
        {
            var digest = Hex(bytes);
            SafeFiles.CreatePrivateDirectory(Path.Combine(directory, "sha256"));
            SafeFiles.CreatePrivateDirectory(Path.Combine(directory, index));
            SafeFiles.Commit(SafeFiles.Stage(BlobPath(digest), bytes), BlobPath(digest));
            SafeFiles.WriteAtomic(IndexPath(key), digest + "\n");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private string BlobPath(string digest) => Path.Combine(directory, "sha256", digest);

    private string IndexPath(string key) => Path.Combine(directory, index, Hex(Encoding.UTF8.GetBytes(key)));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
