using System.Text;
using HomeOps.Adapters.Files;
using HomeOps.Model.Repository;
using HomeOps.Tests.Support;
using HomeOps.Validate.Rules.Secrets;

namespace HomeOps.Tests.GitOps;

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
        // The rule fixtures hold planted secrets on purpose; they are excluded the way validate excludes them.
        var ignored = Ignore.Parse(File.ReadAllText(Path.Combine(Repo.Root, RepoFiles.HomeopsIgnore)));
        var findings = new List<SecretFinding>();
        var scanned = 0;
        foreach (var file in files.Where(f => !ignored.Matches(f)))
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
