using System.Text.Json.Nodes;
using HomeOps.Compile.Secrets;

namespace HomeOps.Compile.Talos;

/// <summary>The talosctl client config: an os:admin Ed25519 client certificate signed by the OS CA.</summary>
public static class Talosconfig
{
    public static JsonObject Create(string clusterName, IEnumerable<string> endpoints, IEnumerable<string> nodes, SecretsBundle secrets, DateTimeOffset now)
    {
        var admin = CertificateAuthority.IssueClient(secrets.Os, CaKeyType.Ed25519, "os:admin", CertificateAuthority.AdminValidity, now);
        return new JsonObject
        {
            ["context"] = clusterName,
            ["contexts"] = new JsonObject
            {
                [clusterName] = new JsonObject
                {
                    ["endpoints"] = new JsonArray(endpoints.Select(e => (JsonNode)JsonValue.Create(e)!).ToArray()),
                    ["nodes"] = new JsonArray(nodes.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
                    ["ca"] = SecretsBundle.B64(secrets.Os.CertificatePem),
                    ["crt"] = SecretsBundle.B64(admin.CertificatePem),
                    ["key"] = SecretsBundle.B64(admin.KeyPem),
                },
            },
        };
    }
}
