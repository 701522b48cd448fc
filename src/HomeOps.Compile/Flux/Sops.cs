using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;

namespace HomeOps.Compile.Flux;

/// <summary>One creation rule of a .sops.yaml: which files must be encrypted, and which keys sops encrypts in them.</summary>
public sealed record SopsCreationRule(string ConfigFile, int Index, Regex? PathRegex, SourceLocation At);

/// <summary>
/// SOPS as Flux and the sops CLI see it (getsops/sops v3 stores/yaml and config; kustomize-controller
/// internal/decryptor/decryptor.go): a document with a top-level "sops" mapping carrying "mac" is
/// encrypted, and its values are ENC[...] strings except under keys the document's own metadata
/// leaves in clear (encrypted_regex, unencrypted_regex, encrypted_suffix, unencrypted_suffix, default
/// "_unencrypted"). The keys of an encrypted Secret are known; its values are not.
/// </summary>
public static class Sops
{
    public const string DefaultUnencryptedSuffix = "_unencrypted";

    private static readonly string[] RecipientKinds = ["age", "pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "key_groups"];

    /// <summary>Flux's isSOPSEncryptedResource: a "sops" mapping with a "mac".</summary>
    public static bool IsEncrypted(JsonObject document) => document["sops"] is JsonObject metadata && metadata.ContainsKey("mac");

    /// <summary>Has a "sops" mapping at all (also a broken one).</summary>
    public static bool HasMetadata(JsonObject document) => document["sops"] is JsonObject;

    public static bool IsEncryptedValue(JsonNode? value) =>
        Manifest.Text(value) is { } text && text.StartsWith("ENC[", StringComparison.Ordinal) && text.EndsWith(']');

    /// <summary>What is wrong with a document's sops block, or null when it looks like one sops writes.</summary>
    public static string? Problem(JsonObject document)
    {
        if (document["sops"] is not JsonObject metadata) return document.ContainsKey("sops") ? "its 'sops' field is not a mapping" : null;
        if (!metadata.ContainsKey("mac")) return "its sops block has no mac, so it was not written by sops (or was cut short)";
        if (Manifest.Text(metadata["mac"]) is not { } mac || !IsEncryptedValue(mac)) return "its sops mac is not an ENC[...] value";
        var recipients = RecipientKinds.Any(k => metadata[k] is JsonArray { Count: > 0 });
        if (!recipients) return "its sops block names no recipient (age, pgp, kms...), so nobody can decrypt it";
        var broken = Values(document).FirstOrDefault(v => Manifest.Text(v.Value) is { } text && text.StartsWith("ENC[", StringComparison.Ordinal)
                                                         && !Regex.IsMatch(text, @"^ENC\[[A-Z0-9_]+,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:[a-z]+\]$"));
        return broken.Pointer is null ? null : $"the value at {broken.Pointer} is not a well-formed ENC[...] value";
    }

    /// <summary>Whether sops encrypts the value at the key path (keys from the document root), per the document's own metadata.</summary>
    public static bool ShouldBeEncrypted(JsonObject metadata, IReadOnlyList<string> keys)
    {
        var unencryptedSuffix = Manifest.Text(metadata["unencrypted_suffix"]);
        var encryptedSuffix = Manifest.Text(metadata["encrypted_suffix"]);
        var encryptedRegex = Manifest.Text(metadata["encrypted_regex"]);
        var unencryptedRegex = Manifest.Text(metadata["unencrypted_regex"]);
        bool Matches(string? pattern) => pattern is not null && keys.Any(k => SafeMatch(pattern, k));
        if (encryptedRegex is not null) return Matches(encryptedRegex);
        if (unencryptedRegex is not null) return !Matches(unencryptedRegex);
        if (encryptedSuffix is not null) return keys.Any(k => k.EndsWith(encryptedSuffix, StringComparison.Ordinal));
        return !keys.Any(k => k.EndsWith(unencryptedSuffix ?? DefaultUnencryptedSuffix, StringComparison.Ordinal));
    }

    private static bool SafeMatch(string pattern, string input)
    {
        try { return Regex.IsMatch(input, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)); }
        catch (ArgumentException) { return false; }
    }

    /// <summary>
    /// The Secret values (data, stringData) of an encrypted document that sops would have encrypted but
    /// are plain. An empty string is what sops writes for an empty value (getsops/sops v3
    /// aes/cipher.go: Encrypt returns "" when the value is empty), so it is not one.
    /// </summary>
    public static IEnumerable<string> PlainValues(JsonObject document)
    {
        if (document["sops"] is not JsonObject metadata) yield break;
        foreach (var field in new[] { "data", "stringData" })
            foreach (var (key, value) in document[field] as JsonObject ?? [])
                if (value is not null && Manifest.Text(value) is not "" && !IsEncryptedValue(value) && ShouldBeEncrypted(metadata, [field, key]))
                    yield return $"/{field}/{Model.Yaml.YamlJson.Escape(key)}";
    }

    private static IEnumerable<(string? Pointer, JsonNode? Value)> Values(JsonNode? node, string pointer = "")
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.Where(p => p.Key != "sops"))
                    foreach (var found in Values(value, $"{pointer}/{Model.Yaml.YamlJson.Escape(key)}")) yield return found;
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    foreach (var found in Values(a[i], $"{pointer}/{i}")) yield return found;
                break;
            default:
                yield return (pointer, node);
                break;
        }
    }

    /// <summary>The creation rules of every .sops.yaml in the repository (sops matches path_regex against the path relative to the config's directory).</summary>
    public static IReadOnlyList<SopsCreationRule> CreationRules(RepoDocuments documents, IEnumerable<string> paths, List<Finding> problems)
    {
        var rules = new List<SopsCreationRule>();
        foreach (var config in paths.Where(p => Path.GetFileName(p) is ".sops.yaml" or ".sops.yml"))
        {
            var parsed = documents.Yaml(config);
            if (parsed is null) continue;
            if (parsed.Failed || parsed.Documents.FirstOrDefault(d => d.Body is not null) is not { Manifest: { } manifest })
            {
                problems.Add(Finding.Error("secrets/sops-invalid", parsed.Problems.Count > 0 ? parsed.Problems[0].Location : SourceLocation.InFile(config),
                    $"{config} is not a YAML mapping, so sops cannot read its creation rules", "fix the YAML of .sops.yaml"));
                continue;
            }
            foreach (var (rule, i) in (manifest.Body["creation_rules"] as JsonArray ?? []).Select((r, i) => (r as JsonObject, i)))
            {
                if (rule is null) continue;
                Regex? regex = null;
                if (Manifest.Text(rule["path_regex"]) is { } pattern)
                {
                    try { regex = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1)); }
                    catch (ArgumentException e)
                    {
                        problems.Add(Finding.Error("secrets/sops-invalid", manifest.At($"/creation_rules/{i}/path_regex"), $"path_regex '{pattern}' is not a valid regular expression: {e.Message}", "fix the pattern"));
                        continue;
                    }
                }
                rules.Add(new SopsCreationRule(config, i, regex, manifest.At($"/creation_rules/{i}")));
            }
        }
        return rules;
    }

    /// <summary>
    /// The creation rule that applies to a file: sops uses the nearest .sops.yaml above the file, and
    /// in it the first rule whose path_regex matches (a rule without one matches everything); null when none does.
    /// </summary>
    public static SopsCreationRule? RuleFor(IReadOnlyList<SopsCreationRule> rules, string path)
    {
        var nearest = rules
            .Select(r => r.ConfigFile).Distinct()
            .Where(c => RepoPaths.DirectoryOf(c) is var d && (d.Length == 0 || path.StartsWith(d + "/", StringComparison.Ordinal)))
            .OrderByDescending(c => RepoPaths.DirectoryOf(c).Length)
            .FirstOrDefault();
        if (nearest is null) return null;
        var directory = RepoPaths.DirectoryOf(nearest);
        var relative = directory.Length == 0 ? path : path[(directory.Length + 1)..];
        return rules.Where(r => r.ConfigFile == nearest).FirstOrDefault(r => r.PathRegex is null || r.PathRegex.IsMatch(relative));
    }
}
