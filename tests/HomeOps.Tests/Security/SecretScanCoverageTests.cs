using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using HomeOps.Model;
using HomeOps.Tests.Support;
using HomeOps.Tests.Validate;
using HomeOps.Validate.Rules.Secrets;

namespace HomeOps.Tests.Security;

/// <summary>
/// Issue 17, item 5: what secrets/plaintext sees. Binary files are scanned for known secret formats (an etcd snapshot
/// holds every Secret of the cluster), a committed .homeopsignore never hides a secret from the rule, and the scan of
/// large files is bounded per file and per run. The rule's broken fixture is made here: committed, it would be a finding
/// of validate on this repository.
/// </summary>
public sealed class SecretScanCoverageTests : IDisposable
{
    private static string S(params string[] parts) => string.Concat(parts);

    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private IReadOnlyList<Finding> Plaintext(bool git)
    {
        if (git) Validation.GitCommitAll(_temp.Path);
        return Validation.Run(_temp.Path, git: git ? null : new Validation.NoGit()).Findings.Where(f => f.Rule == "secrets/plaintext").ToList();
    }

    /// <summary>
    /// The first page of a bbolt file as etcd writes it (etcd-io/bbolt@v1.3.11 page.go:20,30-35, db.go:20,23): page id 0,
    /// flags metaPageFlag, then the meta's magic and version, little-endian; the rest of the page is left zero.
    /// </summary>
    private static byte[] BoltFile(int length = 8192)
    {
        var bytes = new byte[length];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), 0x04);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), 0xED0CDAED);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(20), 2);
        return bytes;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_broken_fixture_a_secret_and_a_talosconfig_key_fire_the_rule(bool git)
    {
        _temp.Write("apps/grafana/secret.yaml", S("apiVersion: v1\nkind: Sec", "ret\nmetadata:\n  name: grafana-admin\n  namespace: monitoring\nstringData:\n  admin-password: hunter2\n"));
        _temp.Write("talos/admin-talosconfig.yaml", S("context: lab\ncontexts:\n  lab:\n    endpoints: [10.0.0.10]\n    ca: Y2E=\n    crt: Y3J0\n    ", "key: a2V5LW1hdGVyaWFs\n"));
        var found = Plaintext(git);
        Assert.Contains(found, f => f.Location.File == "apps/grafana/secret.yaml" && f.Severity == Severity.Error);
        Assert.Contains(found, f => f.Location.File == "talos/admin-talosconfig.yaml" && f.Severity == Severity.Error);
    }

    [Fact]
    public void The_fixed_fixture_does_not_fire_the_rule() =>
        Assert.DoesNotContain(RuleFixtures.Run(RuleFixtures.PathOf("secrets/plaintext", "fixed")), f => f.Rule is "secrets/plaintext" or "internal/rule-failed");

    /// <summary>Before: a .homeopsignore entry took the file out of every rule, secrets/plaintext included.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_homeopsignore_entry_does_not_hide_a_secret(bool git)
    {
        _temp.Write(".homeopsignore", "vendor/\nnotes.md\n");
        _temp.Write("vendor/chart/secret.yaml", S("apiVersion: v1\nkind: Sec", "ret\nmetadata: {name: x}\ndata:\n  token: aHVudGVyMg==\n"));
        _temp.Write("notes.md", S("token: gh", "p_", new string('a', 36), "\n"));
        _temp.Write("vendor/chart/broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n");
        if (git) Validation.GitCommitAll(_temp.Path);
        var report = Validation.Run(_temp.Path, git: git ? null : new Validation.NoGit());
        var found = report.Findings.Where(f => f.Rule == "secrets/plaintext").ToList();
        Assert.Contains(found, f => f.Location.File == "vendor/chart/secret.yaml");
        Assert.Contains(found, f => f.Location.File == "notes.md");
        // the ignored files are still out of every other rule
        Assert.DoesNotContain(report.Findings, f => f.Location.File == "vendor/chart/broken.yaml");
    }

    /// <summary>Before: a file with a NUL byte was skipped whole, so a committed etcd snapshot passed green.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_committed_etcd_snapshot_is_a_secret(bool git)
    {
        File.WriteAllBytes(_temp.Write("backups/etcd.db", ""), BoltFile());
        var found = Plaintext(git);
        var snapshot = Assert.Single(found, f => f.Location.File == "backups/etcd.db");
        Assert.Equal(Severity.Error, snapshot.Severity);
        Assert.Contains("etcd", snapshot.Message, StringComparison.Ordinal);
    }

    /// <summary>Over the loader's 8 MiB text limit the file is streamed, not skipped: a large snapshot is still found.</summary>
    [Fact]
    public void A_snapshot_larger_than_the_text_limit_is_still_scanned()
    {
        var path = _temp.Write("etcd-backup.db", "");
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write))
        {
            file.Write(BoltFile(4096));
            file.SetLength(12L * 1024 * 1024);
        }
        var found = Plaintext(git: false);
        Assert.Contains(found, f => f.Location.File == "etcd-backup.db" && f.Severity == Severity.Error);
    }

    public static TheoryData<string, string> KeyFormats()
    {
        using var rsa = RSA.Create(2048);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = new CertificateRequest("CN=test", ec, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1));
        return new()
        {
            { "der-private-key", Convert.ToBase64String(rsa.ExportPkcs8PrivateKey()) },
            { "der-private-key", Convert.ToBase64String(rsa.ExportRSAPrivateKey()) },
            { "der-private-key", Convert.ToBase64String(ec.ExportECPrivateKey()) },
            { "pkcs12-keystore", Convert.ToBase64String(cert.Export(X509ContentType.Pkcs12, "pw")) },
            { "etcd-database", Convert.ToBase64String(BoltFile()) },
            // a PEM key inside a binary (an archive, a core dump): the text patterns run over the bytes
            { "pem-private-key", Convert.ToBase64String([0, 1, 2, .. Encoding.ASCII.GetBytes(S("-----BEGIN ", "EC PRIVATE KEY-----\nMHcCAQEE\n")), 0]) },
        };
    }

    [Theory]
    [MemberData(nameof(KeyFormats))]
    public void Binary_key_formats_are_recognised(string rule, string base64)
    {
        var (found, _, truncated) = BinarySecrets.Scan("key.bin", new MemoryStream(Convert.FromBase64String(base64)));
        Assert.Contains(found, f => f.Rule == rule);
        Assert.False(truncated);
    }

    [Fact]
    public void Binary_files_that_are_not_keys_are_clean()
    {
        using var rsa = RSA.Create(2048);
        var random = new byte[3 * 1024 * 1024];
        new Random(17).NextBytes(random);
        random[0] = 0x89; // not a DER SEQUENCE
        Assert.Empty(BinarySecrets.Scan("random.bin", new MemoryStream(random)).Findings);
        Assert.Empty(BinarySecrets.Scan("public.der", new MemoryStream(rsa.ExportSubjectPublicKeyInfo())).Findings);
        Assert.Empty(BinarySecrets.Scan("cert.der", new MemoryStream(rsa.ExportRSAPublicKey())).Findings);
    }

    /// <summary>The scan reads in 1 MiB chunks; a key that straddles two chunks is still found.</summary>
    [Fact]
    public void A_key_across_a_chunk_boundary_is_found()
    {
        var pem = Encoding.ASCII.GetBytes(S("-----BEGIN ", "OPENSSH PRIVATE KEY-----\nb3Blbn\n"));
        var bytes = new byte[2 * 1024 * 1024];
        pem.CopyTo(bytes, 1024 * 1024 - 10);
        Assert.Contains(BinarySecrets.Scan("dump.bin", new MemoryStream(bytes)).Findings, f => f.Rule == "pem-private-key");
    }

    /// <summary>Bounded work: at most the per-file cap of one file, and parallel scans share one budget for the run.</summary>
    [Fact]
    public void The_scan_stops_at_the_file_and_run_budgets()
    {
        var tail = Encoding.ASCII.GetBytes(S("-----BEGIN ", "RSA PRIVATE KEY-----\nMIIE\n"));
        byte[] Large() => [.. new byte[3 * 1024 * 1024], .. tail];
        var capped = BinarySecrets.Scan("a.bin", new MemoryStream(Large()), maxBytes: 2 * 1024 * 1024);
        Assert.True(capped.Truncated);
        Assert.Equal(2 * 1024 * 1024, capped.Read);
        Assert.Empty(capped.Findings);

        var budget = new ByteBudget(4 * 1024 * 1024);
        var first = BinarySecrets.Scan("b.bin", new MemoryStream(Large()), budget);
        Assert.False(first.Truncated);
        Assert.Contains(first.Findings, f => f.Rule == "pem-private-key");
        var second = BinarySecrets.Scan("c.bin", new MemoryStream(Large()), budget);
        Assert.True(second.Truncated);
        Assert.Equal(4L * 1024 * 1024 - Large().Length, second.Read);
        var third = BinarySecrets.Scan("d.bin", new MemoryStream(Large()), budget);
        Assert.Equal(0, third.Read);
        Assert.True(third.Truncated);
    }
}
