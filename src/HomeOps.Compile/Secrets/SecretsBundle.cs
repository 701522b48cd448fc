using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace HomeOps.Compile.Secrets;

/// <summary>
/// The Talos secrets bundle in the shape `talosctl gen secrets` writes (secrets.yaml): every
/// certificate and key is base64 of its PEM text, as siderolabs/crypto marshals them.
/// </summary>
public sealed record SecretsBundle(
    string ClusterId,
    string ClusterSecret,
    string BootstrapToken,
    string SecretboxEncryptionSecret,
    string TrustdToken,
    PemPair Etcd,
    PemPair Kubernetes,
    PemPair Aggregator,
    string ServiceAccountKeyPem,
    PemPair Os)
{
    /// <summary>The AES-CBC key a bundle from talosctl before 1.3 carries (secrets.aescbcencryptionsecret); talhelper keeps it (issue #81).</summary>
    public string? AescbcEncryptionSecret { get; init; }

    public static SecretsBundle Generate(DateTimeOffset now) => Generate(now, ServiceAccountKey);

    /// <summary>
    /// A bundle for renders that are validated in memory and discarded (check, validate). Identical
    /// in shape, but with an ECDSA service-account key: generating RSA-4096 costs up to a second, and
    /// nothing reads this key except the schema check, which sees a PEM string either way.
    /// </summary>
    public static SecretsBundle Throwaway(DateTimeOffset now) => Generate(now, () =>
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportECPrivateKeyPem() + "\n";
    });

    private static SecretsBundle Generate(DateTimeOffset now, Func<string> serviceAccountKey) => new(
        ClusterId: Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_'),
        ClusterSecret: Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        BootstrapToken: Token(),
        SecretboxEncryptionSecret: Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        TrustdToken: Token(),
        Etcd: CertificateAuthority.CreateSelfSigned(CaKeyType.EcdsaP256, "O=etcd", now),
        Kubernetes: CertificateAuthority.CreateSelfSigned(CaKeyType.EcdsaP256, "O=kubernetes", now),
        // talosctl leaves this CA's subject empty; RFC 5280 requires a CA subject, so we name it
        // after its role (Kubernetes only checks the chain, never this name).
        Aggregator: CertificateAuthority.CreateSelfSigned(CaKeyType.EcdsaP256, "CN=front-proxy", now),
        ServiceAccountKeyPem: serviceAccountKey(),
        Os: CertificateAuthority.CreateSelfSigned(CaKeyType.Ed25519, "O=talos", now));

    /// <summary>Talos ≥ 1.7 uses RSA-4096 service-account keys (the UseRSAServiceAccountKey contract).</summary>
    private static string ServiceAccountKey()
    {
        using var rsa = RSA.Create(4096);
        return rsa.ExportRSAPrivateKeyPem() + "\n";
    }

    private const string TokenAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>A kubeadm-style token, [a-z0-9]{6}.[a-z0-9]{16}.</summary>
    private static string Token() =>
        RandomNumberGenerator.GetString(TokenAlphabet, 6) + "." + RandomNumberGenerator.GetString(TokenAlphabet, 16);

    public static string B64(string pem) => Convert.ToBase64String(Encoding.ASCII.GetBytes(pem));

    private static string Unb64(string value) => Encoding.ASCII.GetString(Convert.FromBase64String(value));

    public JsonObject ToJson() => new()
    {
        ["cluster"] = new JsonObject { ["id"] = ClusterId, ["secret"] = ClusterSecret },
        ["secrets"] = AescbcEncryptionSecret is { } aescbc
            ? new JsonObject { ["bootstraptoken"] = BootstrapToken, ["aescbcencryptionsecret"] = aescbc, ["secretboxencryptionsecret"] = SecretboxEncryptionSecret }
            : new JsonObject { ["bootstraptoken"] = BootstrapToken, ["secretboxencryptionsecret"] = SecretboxEncryptionSecret },
        ["trustdinfo"] = new JsonObject { ["token"] = TrustdToken },
        ["certs"] = new JsonObject
        {
            ["etcd"] = Pair(Etcd),
            ["k8s"] = Pair(Kubernetes),
            ["k8saggregator"] = Pair(Aggregator),
            ["k8sserviceaccount"] = new JsonObject { ["key"] = B64(ServiceAccountKeyPem) },
            ["os"] = Pair(Os),
        },
    };

    public static JsonObject Pair(PemPair pair) => new() { ["crt"] = B64(pair.CertificatePem), ["key"] = B64(pair.KeyPem) };

    /// <summary>Parses every certificate and key, so a damaged bundle fails here and not halfway through rendering.</summary>
    public void Verify()
    {
        foreach (var (name, pair) in new[] { ("etcd", Etcd), ("k8s", Kubernetes), ("k8saggregator", Aggregator), ("os", Os) })
        {
            if (new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(Encoding.ASCII.GetBytes(pair.CertificatePem)) is null)
                throw new FormatException($"certs.{name}.crt is not a PEM certificate");
            try { CertificateAuthority.ReadPrivateKey(pair.KeyPem); }
            catch (Exception e) when (e is not OutOfMemoryException) { throw new FormatException($"certs.{name}.key is not a PEM private key ({e.Message})"); }
        }
        if (!ServiceAccountKeyPem.Contains("PRIVATE KEY", StringComparison.Ordinal))
            throw new FormatException("certs.k8sserviceaccount.key is not a PEM private key");
    }

    /// <summary>Reads a bundle back; throws <see cref="FormatException"/> naming the first missing or malformed field.</summary>
    public static SecretsBundle FromJson(JsonNode root)
    {
        string Field(string path)
        {
            JsonNode? node = root;
            foreach (var part in path.Split('.')) node = node?[part];
            return node?.GetValue<string>() is { Length: > 0 } value ? value : throw new FormatException($"missing field {path}");
        }
        PemPair ReadPair(string name)
        {
            try { return new PemPair(Unb64(Field($"certs.{name}.crt")), Unb64(Field($"certs.{name}.key"))); }
            catch (FormatException e) when (e.Message.StartsWith("missing", StringComparison.Ordinal)) { throw; }
            catch (FormatException) { throw new FormatException($"certs.{name} is not base64-encoded PEM"); }
        }
        return new SecretsBundle(
            Field("cluster.id"), Field("cluster.secret"), Field("secrets.bootstraptoken"),
            Field("secrets.secretboxencryptionsecret"), Field("trustdinfo.token"),
            ReadPair("etcd"), ReadPair("k8s"), ReadPair("k8saggregator"),
            Unb64(Field("certs.k8sserviceaccount.key")), ReadPair("os"))
        {
            AescbcEncryptionSecret = root["secrets"]?["aescbcencryptionsecret"] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var aescbc) && aescbc.Length > 0 ? aescbc : null,
        };
    }
}
