using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HomeOps.Compile.Flux;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;

namespace HomeOps.Validate.Rules.Secrets;

/// <summary>One suspected secret: file, 1-based line (for a structural finding, where its document starts), rule.</summary>
public sealed record SecretFinding(string File, int Line, string Rule);

/// <summary>
/// Finds committed credentials in a text. Patterns are assembled at run time where their literal
/// text would itself look like a secret, so this file does not trip its own scan.
/// </summary>
public static class SecretScanner
{
    private static readonly string[] KubeconfigCredentials = ["client-key-data", "client-key", "token"];

    private static readonly (string Rule, Regex Pattern)[] TextRules =
    [
        ("pem-private-key", new Regex(@"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----")),
        // base64 of "-----BEGIN " (how PEM hides in kubeconfig *-data fields and Secret data)
        ("base64-pem", new Regex(Regex.Escape(Convert.ToBase64String(Encoding.ASCII.GetBytes("-----BEGIN "))[..14]))),
        // values as Talos writes them (a bootstrap or trustd token is "6.16" lowercase alphanumerics, the secretbox key 32 bytes of base64), not a jq path naming the field
        ("talos-secrets-bundle", new Regex(@"(?m)[""']?bootstraptoken[""']?\s*:\s*[""']?[a-z0-9]{6}\.[a-z0-9]{16}\b")),
        ("talos-secrets-bundle", new Regex(@"(?m)[""']?secretboxencryptionsecret[""']?\s*:\s*[""']?[A-Za-z0-9+/]{43}=")),
        ("talos-secrets-bundle", new Regex(@"[""']?trustdinfo[""']?\s*:\s*\{?\s*[""']?token[""']?\s*:\s*[""']?[a-z0-9]{6}\.[a-z0-9]{16}\b")),
        ("kubeconfig-client-key", new Regex(@"client-key-data[""']?\s*:\s*[""']?[A-Za-z0-9+/=]{16,}")),
        ("1password-credentials", new Regex(@"""(encCredentials|uniqueKey)""\s*:|""verifier""\s*:\s*\{")),
        ("github-token", new Regex(@"\bgh[pousr]_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{22,}")),
        ("slack-token", new Regex(@"\bxox[bap]-[A-Za-z0-9-]{10,}")),
        ("aws-access-key", new Regex(@"\bAKIA[0-9A-Z]{16}\b")),
    ];

    /// <summary>A line that says a match on it is intended (gitleaks' marker, or homeops' own).</summary>
    private static readonly Regex AllowMarker = new(@"gitleaks:allow|homeops:allow");

    /// <param name="documents">The file's YAML documents (tree, line where each starts) when the caller has parsed them already; else the text is parsed here.</param>
    public static IReadOnlyList<SecretFinding> Scan(string file, string text, Func<IReadOnlyList<(JsonNode? Node, int Line)>>? documents = null)
    {
        var findings = ScanTextPatterns(file, text).ToList();
        // A template becomes a manifest only when rendered: its placeholders are not secrets, its structure is not judged.
        if (!Templates.IsTemplate(file)) findings.AddRange(ScanYaml(file, text, documents));
        return findings;
    }

    /// <summary>The text patterns alone (a PEM key, a token, a Talos bundle field), also run over the bytes of binary files.</summary>
    public static IEnumerable<SecretFinding> ScanTextPatterns(string file, string text)
    {
        foreach (var (rule, pattern) in TextRules)
            foreach (Match m in pattern.Matches(text))
            {
                if (AllowMarker.IsMatch(LineAt(text, m.Index))) continue;
                if (rule == "pem-private-key" && !HasPemBody(text, m.Index + m.Length)) continue;
                yield return new SecretFinding(file, LineOf(text, m.Index), rule);
            }
    }

    private static string LineAt(string text, int index)
    {
        var start = text.LastIndexOf('\n', Math.Max(0, index - 1)) + 1;
        var end = text.IndexOf('\n', index);
        return text[start..(end < 0 ? text.Length : end)];
    }

    /// <summary>A PEM header followed by base64 (a key), not by a placeholder such as "&lt;your-key&gt;" or "...".</summary>
    private static bool HasPemBody(string text, int afterHeader)
    {
        var next = text[afterHeader..].Split('\n', 3);
        var body = next.Length > 1 ? next[1].Trim().Trim('"', '\'', ',') : "";
        return Regex.IsMatch(body, "^[A-Za-z0-9+/=]{4,}$") || body.StartsWith("Proc-Type:", StringComparison.Ordinal);
    }

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    /// <summary>Structural rules on YAML: a Secret carrying data, a talosconfig/kubeconfig with a key.</summary>
    private static IEnumerable<SecretFinding> ScanYaml(string file, string text, Func<IReadOnlyList<(JsonNode? Node, int Line)>>? parsed)
    {
        var yaml = file.EndsWith(".yaml", StringComparison.Ordinal) || file.EndsWith(".yml", StringComparison.Ordinal)
                   || Path.GetFileName(file) is "talosconfig" or "kubeconfig" or "config";
        if (!yaml && !Regex.IsMatch(text, @"(?m)^kind:\s*Secret\b|^contexts:")) yield break;
        var documents = parsed?.Invoke() ?? Documents(text, file);
        foreach (var (node, line) in documents)
        {
            if (node is not JsonObject doc) continue;
            if (Manifest.Text(doc["kind"]) == "Secret" && !Sops.HasMetadata(doc) && LiteralValues(doc).Any())
                yield return new SecretFinding(file, line, "kubernetes-secret-data");
            // talosconfig: contexts: {name: {endpoints, ca, crt, key}}
            if (doc["contexts"] is JsonObject contexts && contexts.Any(c => !string.IsNullOrEmpty(Manifest.Text(c.Value.Field("key")))))
                yield return new SecretFinding(file, line, "talosconfig-key");
            // kubeconfig: users: [{user: {client-key-data | client-key | token}}]
            if (doc["users"] is JsonArray users && users.Any(u => u.Field("user") is JsonObject user && KubeconfigCredentials.Any(k => !string.IsNullOrEmpty(Manifest.Text(user[k])))))
                yield return new SecretFinding(file, line, "kubeconfig-credentials");
        }
    }

    /// <summary>
    /// A Secret's values that are written out: not a reference a tool resolves later (1Password
    /// op://, aKeyless ak://, vals ref+), not a Flux variable or template expression, not SOPS ciphertext.
    /// An empty or placeholder value still counts: the Secret Flux applies then holds it.
    /// </summary>
    public static IEnumerable<string> LiteralValues(JsonObject secret)
    {
        foreach (var (field, decode) in new[] { ("stringData", false), ("data", true) })
            foreach (var (_, value) in secret[field] as JsonObject ?? [])
            {
                var text = Manifest.Text(value) ?? value?.ToJsonString() ?? "";
                if (decode && text.Length > 0)
                {
                    try { text = Encoding.UTF8.GetString(Convert.FromBase64String(text)); }
                    catch (FormatException) { }
                }
                if (!IsReference(text)) yield return text;
            }
    }

    private static readonly Regex Reference = new(@"^\s*(op://|ak://|ref\+)|\$\{[^}]*\}|\{\{.*\}\}|#\{.*\}#|^ENC\[");

    public static bool IsReference(string value) => Reference.IsMatch(value);

    /// <summary>The YAML documents of a text, or none when it is not YAML after all (the text rules still ran).</summary>
    private static IReadOnlyList<(JsonNode? Node, int Line)> Documents(string text, string file)
    {
        var findings = new FindingBag();
        try
        {
            var documents = YamlDocuments.Parse(text, file, findings);
            return findings.HasErrors ? [] : documents.Select(d => (YamlJson.ToJson(d.RootNode), (int)d.RootNode.Start.Line)).ToList();
        }
        catch (FormatException)
        {
            return [];
        }
    }
}
