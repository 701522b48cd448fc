using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace HomeOps.Compile.Secrets;

/// <summary>A certificate and its private key, both PEM text.</summary>
public sealed record PemPair(string CertificatePem, string KeyPem);

public enum CaKeyType { EcdsaP256, Ed25519 }

/// <summary>
/// Creates the CAs and client certificates Talos uses, with the same key types, subjects,
/// usages and lifetimes as siderolabs/crypto (x509.NewSelfSignedCertificateAuthority): ECDSA
/// P-256 for etcd/Kubernetes/aggregator, Ed25519 for the Talos API (OS) CA and its clients.
/// </summary>
public static class CertificateAuthority
{
    public static readonly TimeSpan CaValidity = TimeSpan.FromHours(87600);
    public static readonly TimeSpan AdminValidity = TimeSpan.FromHours(8760);

    private static readonly SecureRandom Random = new();

    /// <param name="subject">An X.500 name such as "O=etcd".</param>
    public static PemPair CreateSelfSigned(CaKeyType keyType, string subject, DateTimeOffset now)
    {
        var keys = GenerateKeys(keyType);
        var name = new X509Name(subject);
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(SerialNumber());
        generator.SetIssuerDN(name);
        generator.SetSubjectDN(name);
        generator.SetNotBefore(now.UtcDateTime);
        generator.SetNotAfter((now + CaValidity).UtcDateTime);
        generator.SetPublicKey(keys.Public);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.KeyCertSign));
        generator.AddExtension(X509Extensions.ExtendedKeyUsage, false,
            new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth, KeyPurposeID.id_kp_clientAuth));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(keys.Public));
        var certificate = generator.Generate(Signer(keyType, keys.Private));
        return new PemPair(Pem(certificate), KeyPem(keyType, keys.Private));
    }

    /// <summary>A client certificate signed by <paramref name="ca"/> (the Talos API admin: O=os:admin).</summary>
    public static PemPair IssueClient(PemPair ca, CaKeyType keyType, string organization, TimeSpan validity, DateTimeOffset now)
    {
        var caCertificate = new X509CertificateParser().ReadCertificate(Encoding.ASCII.GetBytes(ca.CertificatePem));
        var caKey = ReadPrivateKey(ca.KeyPem);
        var keys = GenerateKeys(keyType);
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(SerialNumber());
        generator.SetIssuerDN(caCertificate.SubjectDN);
        generator.SetSubjectDN(new X509Name($"O={organization}"));
        generator.SetNotBefore(now.UtcDateTime);
        generator.SetNotAfter((now + validity).UtcDateTime);
        generator.SetPublicKey(keys.Public);
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature));
        generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_clientAuth));
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(caCertificate));
        var certificate = generator.Generate(Signer(keyType, caKey));
        return new PemPair(Pem(certificate), KeyPem(keyType, keys.Private));
    }

    private static BigInteger SerialNumber() => new(128, Random);

    private static AsymmetricCipherKeyPair GenerateKeys(CaKeyType keyType)
    {
        IAsymmetricCipherKeyPairGenerator generator = keyType switch
        {
            CaKeyType.Ed25519 => new Ed25519KeyPairGenerator(),
            _ => new ECKeyPairGenerator("EC"),
        };
        generator.Init(keyType == CaKeyType.Ed25519
            ? new Ed25519KeyGenerationParameters(Random)
            : new ECKeyGenerationParameters(Org.BouncyCastle.Asn1.X9.ECNamedCurveTable.GetOid("P-256"), Random));
        return generator.GenerateKeyPair();
    }

    private static Asn1SignatureFactory Signer(CaKeyType keyType, AsymmetricKeyParameter key) =>
        new(keyType == CaKeyType.Ed25519 ? "Ed25519" : "SHA256WITHECDSA", key, Random);

    private static string Pem(object value)
    {
        var writer = new StringWriter { NewLine = "\n" };
        new PemWriter(writer).WriteObject(value);
        return writer.ToString();
    }

    /// <summary>
    /// ECDSA keys as SEC1 "EC PRIVATE KEY"; Ed25519 as PKCS#8 under Talos' own
    /// "ED25519 PRIVATE KEY" label, byte-compatible with what talosctl reads.
    /// </summary>
    private static string KeyPem(CaKeyType keyType, AsymmetricKeyParameter key)
    {
        if (keyType != CaKeyType.Ed25519) return Pem(key);
        // PKCS#8 v1 without the optional public key, as Go's x509.MarshalPKCS8PrivateKey writes it
        // (BouncyCastle's default v2 form is rejected by OpenSSL 3.0 and by older Go parsers).
        var seed = ((Ed25519PrivateKeyParameters)key).GetEncoded();
        var der = new Org.BouncyCastle.Asn1.Pkcs.PrivateKeyInfo(new AlgorithmIdentifier(Org.BouncyCastle.Asn1.EdEC.EdECObjectIdentifiers.id_Ed25519), new DerOctetString(seed)).GetEncoded();
        return Pem(new Org.BouncyCastle.Utilities.IO.Pem.PemObject("ED25519 PRIVATE KEY", der));
    }

    public static AsymmetricKeyParameter ReadPrivateKey(string pem)
    {
        var obj = new Org.BouncyCastle.Utilities.IO.Pem.PemReader(new StringReader(pem)).ReadPemObject()
                  ?? throw new FormatException("no PEM block found");
        return obj.Type switch
        {
            "ED25519 PRIVATE KEY" or "PRIVATE KEY" => PrivateKeyFactory.CreateKey(obj.Content),
            "EC PRIVATE KEY" => ((AsymmetricCipherKeyPair)new PemReader(new StringReader(pem)).ReadObject()).Private,
            _ => throw new FormatException($"unsupported key type {obj.Type}"),
        };
    }
}
