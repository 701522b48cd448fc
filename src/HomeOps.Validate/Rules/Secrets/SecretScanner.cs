using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
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
        var findings = ScanTextPatterns(file, text).ToList();
        findings.AddRange(ScanYaml(file, text));
        return findings;
    }

    /// <summary>The text patterns alone (a PEM key, a token, a Talos bundle field), also run over the bytes of binary files.</summary>
    public static IEnumerable<SecretFinding> ScanTextPatterns(string file, string text)
    {
        foreach (var (rule, pattern) in TextRules)
            foreach (Match m in pattern.Matches(text))
                yield return new SecretFinding(file, LineOf(text, m.Index), rule);
    }

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    /// <summary>Structural rules on YAML: a Secret carrying data, a talosconfig/kubeconfig with a key.</summary>
    private static IEnumerable<SecretFinding> ScanYaml(string file, string text)
    {
        var yaml = file.EndsWith(".yaml", StringComparison.Ordinal) || file.EndsWith(".yml", StringComparison.Ordinal)
                   || Path.GetFileName(file) is "talosconfig" or "kubeconfig" or "config";
        if (!yaml && !Regex.IsMatch(text, @"(?m)^kind:\s*Secret\b|^contexts:")) yield break;
        var documents = Documents(text, file);
        foreach (var (node, line) in documents)
        {
            if (node is not JsonObject doc) continue;
            if (Manifest.Text(doc["kind"]) == "Secret" && (doc["data"] is JsonObject { Count: > 0 } || doc["stringData"] is JsonObject { Count: > 0 }))
                yield return new SecretFinding(file, line, "kubernetes-secret-data");
            // talosconfig: contexts: {name: {endpoints, ca, crt, key}}
            if (doc["contexts"] is JsonObject contexts && contexts.Any(c => !string.IsNullOrEmpty(Manifest.Text(c.Value.Field("key")))))
                yield return new SecretFinding(file, line, "talosconfig-key");
            // kubeconfig: users: [{user: {client-key-data | client-key | token}}]
            if (doc["users"] is JsonArray users && users.Any(u => u.Field("user") is JsonObject user && KubeconfigCredentials.Any(k => !string.IsNullOrEmpty(Manifest.Text(user[k])))))
                yield return new SecretFinding(file, line, "kubeconfig-credentials");
        }
    }

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
