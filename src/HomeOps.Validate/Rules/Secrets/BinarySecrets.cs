using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Text;

namespace HomeOps.Validate.Rules.Secrets;

/// <summary>
/// Secrets in files that are not text: known key and database formats recognised by their structure, and the text
/// patterns (a PEM key, a token) anywhere in the bytes. Files are streamed in chunks, so any size costs bounded memory;
/// at most <see cref="MaxScanBytes"/> of one file and <see cref="MaxScanBytesPerRun"/> of all files of a run are read.
/// </summary>
public static class BinarySecrets
{
    /// <summary>The most of one file the scan reads (an etcd snapshot of a home cluster is tens of MiB).</summary>
    public const long MaxScanBytes = 256L * 1024 * 1024;

    /// <summary>The most the scans of one run read together, so a repository of many large files costs bounded time.</summary>
    public const long MaxScanBytesPerRun = 1024L * 1024 * 1024;

    private const int Chunk = 1 << 20;

    /// <summary>Text matches may straddle two chunks: each chunk is scanned with this much of the one before it.</summary>
    private const int Overlap = 4096;

    /// <summary>
    /// The rules found (one finding per rule: a binary has no lines), how many bytes were read, and whether the file was
    /// longer than that (the per-file cap or the run's <paramref name="budget"/> ran out).
    /// </summary>
    public static (IReadOnlyList<SecretFinding> Findings, long Read, bool Truncated) Scan(string file, Stream stream, ByteBudget? budget = null, long maxBytes = MaxScanBytes)
    {
        var rules = new HashSet<string>(StringComparer.Ordinal);
        var buffer = new byte[Overlap + Chunk];
        var carried = 0;
        long read = 0;
        var first = true;
        var exhausted = false;
        while (read < maxBytes)
        {
            var want = (int)Math.Min(Chunk, maxBytes - read);
            var granted = budget?.Take(want) ?? want;
            if (granted == 0)
            {
                exhausted = true;
                break;
            }
            var n = stream.ReadAtLeast(buffer.AsSpan(carried, granted), granted, throwOnEndOfStream: false);
            budget?.Return(granted - n);
            if (n == 0) break;
            read += n;
            var window = buffer.AsSpan(0, carried + n);
            if (first && Format(window) is { } format) rules.Add(format);
            first = false;
            // Latin-1 maps each byte to one char, so the text patterns see the bytes as they are
            foreach (var finding in SecretScanner.ScanTextPatterns(file, Encoding.Latin1.GetString(window))) rules.Add(finding.Rule);
            carried = Math.Min(Overlap, window.Length);
            window[^carried..].CopyTo(buffer);
        }
        var truncated = (exhausted || read >= maxBytes) && stream.ReadByte() >= 0;
        return (rules.Order(StringComparer.Ordinal).Select(r => new SecretFinding(file, 0, r)).ToList(), read, truncated);
    }

    /// <summary>The secret-bearing format a file starts with, by its structure; null for anything else.</summary>
    public static string? Format(ReadOnlySpan<byte> head)
    {
        if (IsBoltDatabase(head)) return "etcd-database";
        return head.Length > 0 && head[0] == 0x30 ? Der(head) : null;
    }

    /// <summary>
    /// etcd keeps its data (and `etcd snapshot` writes it) as a bbolt file, whose first page is a meta page:
    /// a 16-byte page header (id uint64, flags uint16 with metaPageFlag 0x04, count uint16, overflow uint32), then the
    /// meta's magic 0xED0CDAED and version 2 (etcd-io/bbolt@v1.3.11 page.go:20,30-35; db.go:20,23,1331-1334), little-endian.
    /// </summary>
    private static bool IsBoltDatabase(ReadOnlySpan<byte> head) =>
        head.Length >= 24
        && (BinaryPrimitives.ReadUInt16LittleEndian(head[8..]) & 0x04) != 0
        && BinaryPrimitives.ReadUInt32LittleEndian(head[16..]) == 0xED0CDAED
        && BinaryPrimitives.ReadUInt32LittleEndian(head[20..]) == 2;

    /// <summary>
    /// DER private keys and key stores, by their ASN.1 shape: PKCS#8 PrivateKeyInfo (RFC 5208 §5: version 0 or 1,
    /// an AlgorithmIdentifier, the key as OCTET STRING), PKCS#1 RSAPrivateKey (RFC 8017 A.1.2: version 0 then nine
    /// INTEGERs), SEC 1 ECPrivateKey (RFC 5915 §3: version 1, the key as OCTET STRING), PKCS#12 PFX (RFC 7292 §4:
    /// version 3, then a ContentInfo).
    /// </summary>
    private static string? Der(ReadOnlySpan<byte> head)
    {
        try
        {
            var reader = new AsnReader(head.ToArray(), AsnEncodingRules.BER).ReadSequence();
            if (!reader.TryReadInt32(out var version)) return null;
            if (!reader.HasData) return null;
            var next = reader.PeekTag();
            if (version == 3 && next.HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var content = reader.ReadSequence();
                return content.ReadObjectIdentifier().StartsWith("1.2.840.113549.1.7.", StringComparison.Ordinal) ? "pkcs12-keystore" : null;
            }
            if (version is 0 or 1 && next.HasSameClassAndValue(Asn1Tag.Sequence))
            {
                reader.ReadSequence(); // AlgorithmIdentifier
                return reader.HasData && reader.PeekTag().HasSameClassAndValue(Asn1Tag.PrimitiveOctetString) ? "der-private-key" : null;
            }
            if (version == 0 && next.HasSameClassAndValue(Asn1Tag.Integer))
            {
                for (var i = 0; i < 8; i++) reader.ReadIntegerBytes();
                return "der-private-key";
            }
            if (version == 1 && next.HasSameClassAndValue(Asn1Tag.PrimitiveOctetString)) return "der-private-key";
            return null;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }
}

/// <summary>Bytes that parallel readers share: each takes what it is about to read and returns what it did not use.</summary>
public sealed class ByteBudget(long bytes)
{
    private long _left = bytes;

    /// <summary>Up to <paramref name="want"/> bytes of what is left; 0 once the budget is spent.</summary>
    public int Take(int want)
    {
        while (true)
        {
            var left = Volatile.Read(ref _left);
            if (left <= 0) return 0;
            var granted = (int)Math.Min(want, left);
            if (Interlocked.CompareExchange(ref _left, left - granted, left) == left) return granted;
        }
    }

    public void Return(int unused)
    {
        if (unused > 0) Interlocked.Add(ref _left, unused);
    }
}
