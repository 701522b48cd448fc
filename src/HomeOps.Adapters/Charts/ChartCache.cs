using System.Security.Cryptography;
using System.Text;
using HomeOps.Adapters.Files;
using HomeOps.Compile.Flux;
using HomeOps.Operations.Charts;

namespace HomeOps.Adapters.Charts;

/// <summary>
/// The chart cache on disk, beside the schema cache: sha256/&lt;digest&gt; holds a package under the SHA-256 of its bytes
/// (checked on every read), refs/&lt;sha256 of the chart's repository, name and version&gt; names that digest. Written through
/// <see cref="SafeFiles"/> (private directories, staged then renamed), so a reader never sees half a package.
/// </summary>
public sealed class ChartCache(string directory) : IChartCache
{
    public static string DefaultDirectory =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "homeops", "charts");

    public byte[]? Find(ChartReference chart)
    {
        try
        {
            var reference = RefPath(chart);
            if (!File.Exists(reference)) return null;
            var digest = File.ReadAllText(reference).Trim();
            var blob = BlobPath(digest);
            if (digest.Length != 64 || !digest.All(char.IsAsciiHexDigitLower) || !File.Exists(blob) || new FileInfo(blob).Length > ChartPull.MaxChartBytes) return null;
            var bytes = File.ReadAllBytes(blob);
            return Hex(bytes) == digest ? bytes : null; // changed on disk: not used, pulled again
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public bool Store(ChartReference chart, byte[] tgz)
    {
        try
        {
            var digest = Hex(tgz);
            SafeFiles.CreatePrivateDirectory(directory);
            SafeFiles.CreatePrivateDirectory(Path.Combine(directory, "sha256"));
            SafeFiles.CreatePrivateDirectory(Path.Combine(directory, "refs"));
            SafeFiles.Commit(SafeFiles.Stage(BlobPath(digest), tgz), BlobPath(digest));
            SafeFiles.WriteAtomic(RefPath(chart), digest + "\n");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private string BlobPath(string digest) => Path.Combine(directory, "sha256", digest);

    private string RefPath(ChartReference chart) =>
        Path.Combine(directory, "refs", Hex(Encoding.UTF8.GetBytes($"{(chart.Repository.Oci ? "oci" : "http")}\n{chart.Repository.Url}\n{chart.Name}\n{chart.Version}")));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
