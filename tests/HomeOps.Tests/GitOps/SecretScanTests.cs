using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.GitOps;

/// <summary>One suspected secret: file, 1-based line (0 for a structural finding), rule.</summary>
public sealed record SecretFinding(string File, int Line, string Rule);

/// <summary>
/// Finds committed credentials in a text. Patterns are assembled at run time where their literal
/// text would itself look like a secret, so this file does not trip its own scan.
/// </summary>
public static class SecretScanner
{
    private static readonly (string Rule, Regex Pattern)[] TextRules =
    [
        ("pem-private-key", new Regex(@"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----")),
        // base64 of "-----BEGIN " (how PEM hides in kubeconfig *-data fields and Secret data)
        ("base64-pem", new Regex(Regex.Escape(Convert.ToBase64String(Encoding.ASCII.GetBytes("-----BEGIN "))[..14]))),
        ("talos-secrets-bundle", new Regex(@"(?m)[""']?(bootstraptoken|secretboxencryptionsecret)[""']?\s*:\s*[""']?[A-Za-z0-9+/=.]{6,}")),
        ("talos-secrets-bundle", new Regex(@"[""']?trustdinfo[""']?\s*:\s*\{?\s*[""']?token[""']?\s*:\s*[""']?[A-Za-z0-9.]{6,}")),
        ("kubeconfig-client-key", new Regex(@"client-key-data[""']?\s*:\s*[""']?[A-Za-z0-9+/=]{16,}")),
        ("1password-credentials", new Regex(@"""(encCredentials|uniqueKey)""\s*:|""verifier""\s*:\s*\{")),
        ("github-token", new Regex(@"\bgh[pousr]_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{22,}")),
        ("slack-token", new Regex(@"\bxox[bap]-[A-Za-z0-9-]{10,}")),
        ("aws-access-key", new Regex(@"\bAKIA[0-9A-Z]{16}\b")),
    ];

    public static IReadOnlyList<SecretFinding> Scan(string file, string text)
    {
        var findings = new List<SecretFinding>();
        foreach (var (rule, pattern) in TextRules)
            foreach (Match m in pattern.Matches(text))
                findings.Add(new SecretFinding(file, LineOf(text, m.Index), rule));
        findings.AddRange(ScanYaml(file, text));
        return findings;
    }

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    /// <summary>Structural rules on YAML: a Secret carrying data, a talosconfig/kubeconfig with a key.</summary>
    private static IEnumerable<SecretFinding> ScanYaml(string file, string text)
    {
        var yaml = file.EndsWith(".yaml", StringComparison.Ordinal) || file.EndsWith(".yml", StringComparison.Ordinal)
                   || Path.GetFileName(file) is "talosconfig" or "kubeconfig" or "config";
        if (!yaml && !Regex.IsMatch(text, @"(?m)^kind:\s*Secret\b|^contexts:")) yield break;
        IReadOnlyList<JsonNode?> documents;
        try { documents = GitOpsTree.ParseYamlText(text, file); }
        catch (Exception) { yield break; } // not YAML after all; the text rules still ran
        foreach (var doc in documents.OfType<JsonObject>())
        {
            if (GitOpsTree.Str(doc["kind"]) == "Secret" && (doc["data"] is JsonObject { Count: > 0 } || doc["stringData"] is JsonObject { Count: > 0 }))
                yield return new SecretFinding(file, 0, "kubernetes-secret-data");
            // talosconfig: contexts: {name: {endpoints, ca, crt, key}}
            if (doc["contexts"] is JsonObject contexts && contexts.Any(c => !string.IsNullOrEmpty(GitOpsTree.Str(c.Value?["key"]))))
                yield return new SecretFinding(file, 0, "talosconfig-key");
            // kubeconfig: users: [{user: {client-key-data | client-key | token}}]
            if (doc["users"] is JsonArray users && users.Any(u => u?["user"] is JsonObject user && new[] { "client-key-data", "client-key", "token" }.Any(k => !string.IsNullOrEmpty(GitOpsTree.Str(user[k])))))
                yield return new SecretFinding(file, 0, "kubeconfig-credentials");
        }
    }
}

/// <summary>Issue 3, acceptance 4: no Secret data, private key or token in any tracked file.</summary>
public class SecretScanTests
{
    private static string S(params string[] parts) => string.Concat(parts);

    [Fact]
    public void No_tracked_file_contains_a_secret()
    {
        var listed = Support.Process.Run("git", Repo.Root, "ls-files", "-z");
        Assert.Equal(0, listed.ExitCode);
        var files = listed.Stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("talconfig.yaml", files);
        Assert.Contains(files, f => f.StartsWith("infrastructure/", StringComparison.Ordinal));
        var findings = new List<SecretFinding>();
        var scanned = 0;
        foreach (var file in files)
        {
            var full = Path.Combine(Repo.Root, file);
            if (!File.Exists(full)) continue; // deleted in the work tree
            var bytes = File.ReadAllBytes(full);
            if (bytes.AsSpan(0, Math.Min(bytes.Length, 8000)).Contains((byte)0)) continue; // binary
            findings.AddRange(SecretScanner.Scan(file, Encoding.UTF8.GetString(bytes)));
            scanned++;
        }
        Assert.True(scanned >= 100, $"only {scanned} tracked text files scanned");
        Assert.True(findings.Count == 0, "possible secrets in tracked files:\n" + string.Join("\n", findings.Select(f => $"{f.File}:{f.Line} {f.Rule}")));
    }

    public static TheoryData<string, string, string> Planted => new()
    {
        { "pem-private-key", "key.txt", S("-----BEGIN ", "RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n") },
        { "pem-private-key", "id_ed25519", S("-----BEGIN ", "OPENSSH PRIVATE KEY-----\nb3Blbn\n") },
        { "pem-private-key", "talos.txt", S("-----BEGIN ", "ED25519 PRIVATE KEY-----\nMC4CAQ\n") },
        { "base64-pem", "ca.yaml", S("ca.key: ", Convert.ToBase64String(Encoding.ASCII.GetBytes(S("-----BEGIN ", "EC PRIVATE KEY-----\nMHcCAQEE\n"))), "\n") },
        { "talos-secrets-bundle", "talsecret.yaml", S("cluster:\n  id: abc\nsecrets:\n  boot", "straptoken: 0123ab.0123456789abcdef\n") },
        { "talos-secrets-bundle", "bundle.yaml", S("trust", "dinfo:\n  token: abcdef.0123456789abcdef\n") },
        { "kubeconfig-client-key", "kubeconfig.txt", S("users:\n- name: admin\n  user:\n    client-key", "-data: ", Convert.ToBase64String(Encoding.ASCII.GetBytes("not really a key, but long enough")), "\n") },
        { "kubeconfig-credentials", "kubeconfig", S("apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    client-key", "-data: abc\n") },
        { "talosconfig-key", "talosconfig", S("context: home-ops\ncontexts:\n  home-ops:\n    endpoints: [172.29.51.10]\n    ca: AAAA\n    crt: BBBB\n    ", "key: CCCC\n") },
        { "1password-credentials", "1password-credentials.json", S("{\"verifier\": {\"salt\": \"x\", \"localHash\": \"y\"}, \"enc", "Credentials\": {\"kid\": \"z\"}, \"version\": \"2\", \"deviceUuid\": \"u\", \"unique", "Key\": {}}") },
        { "github-token", "notes.md", S("token: gh", "p_", new string('a', 36)) },
        { "github-token", "notes.md", S("export GH_TOKEN=github", "_pat_", "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz") },
        { "slack-token", "values.yaml", S("token: xo", "xb-1234567890-abcdefghij") },
        { "aws-access-key", "env", S("AWS_ACCESS_KEY_ID=AK", "IA", "ABCDEFGHIJKLMNOP") },
        { "kubernetes-secret-data", "secret.yaml", S("---\napiVersion: v1\nkind: Sec", "ret\nmetadata:\n  name: x\n  namespace: y\nstringData:\n  password: hunter2\n") },
        { "kubernetes-secret-data", "secrets.yaml", S("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Sec", "ret\nmetadata: {name: b}\ntype: Opaque\ndata:\n  token: aHVudGVyMg==\n") },
    };

    [Theory]
    [MemberData(nameof(Planted))]
    public void The_scanner_finds_a_planted_secret(string rule, string file, string text)
    {
        var findings = SecretScanner.Scan(file, text);
        Assert.Contains(findings, f => f.Rule == rule);
    }

    [Fact]
    public void The_scanner_does_not_flag_references_to_secrets()
    {
        // What the tree legitimately contains: ExternalSecrets, secretKeyRefs, key labels in code, empty Secrets.
        string[] clean =
        [
            File.ReadAllText(Path.Combine(Repo.Root, "infrastructure", "authentik", "externalsecret.yaml")),
            File.ReadAllText(Path.Combine(Repo.Root, "infrastructure", "onepassword-connect", "clustersecretstore.yaml")),
            "env:\n  - name: TOKEN\n    valueFrom:\n      secretKeyRef: {name: t, key: token}\n",
            "return Pem(new PemObject(\"ED25519 PRIVATE KEY\", der));\n[\"secrets\"] = new JsonObject { [\"boot\" + \"straptoken\"] = BootstrapToken },",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: filled-by-bootstrap}\ntype: Opaque\n",
        ];
        foreach (var text in clean) Assert.Empty(SecretScanner.Scan("clean.yaml", text));
    }
}
