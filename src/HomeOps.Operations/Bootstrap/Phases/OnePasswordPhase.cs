using System.Text;
using HomeOps.Model;
using HomeOps.Model.Bootstrap;
using HomeOps.Model.Repository;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Bootstrap.Phases;

/// <summary>
/// Reads the 1Password Connect credentials and token with `op` (separate items first, the legacy
/// single item as fallback; a Document item's file through `op document get`), checks the credentials
/// are complete before anything is written, and creates the Secrets that bootstrap-config.yaml lists
/// under `creates:` through the API. The credentials key holds the file base64-encoded or as is,
/// depending on the Connect chart version that reads it (`credentials:` rows in bootstrap-config.yaml).
/// </summary>
public sealed class OnePasswordPhase : IPhase
{
    public const string CredentialsKey = "1password-credentials.json";
    public const string TokenKey = "token";

    private static readonly string[] CredentialFields = ["credentials", CredentialsKey, "notesPlain"];
    private static readonly string[] TokenFields = ["token", "credential", "password"];

    public string Name => "onepassword";

    public async Task<bool> IsDoneAsync(BootstrapContext context, CancellationToken cancel)
    {
        foreach (var (ns, name, keys, _) in Secrets(context))
            if (!await context.Api.SecretHasKeysAsync(ns, name, keys, cancel)) return false;
        return true;
    }

    public async Task RunAsync(BootstrapContext context, CancellationToken cancel)
    {
        var secrets = Secrets(context).Select(secret => (Secret: secret, Encoding: secret.Keys.Contains(CredentialsKey) ? EncodingOf(context, secret.Created) : null)).ToList();
        var (credentials, token) = await ReadAsync(context.Plan.Config.Onepassword, context.Tools.OnePassword, cancel);
        if (ConnectCredentials.Problems(credentials) is { Count: > 0 } problems)
            throw new PhaseFailedException($"the 1Password Connect credentials are unusable:\n  - {string.Join("\n  - ", problems)}",
                nextStep: "re-export 1password-credentials.json from 1Password (Integrations → Connect server), store it again, then `homeops bootstrap --resume`; nothing was written to the cluster");
        foreach (var ((ns, name, keys, _), encoding) in secrets)
        {
            var values = new Dictionary<string, byte[]>
            {
                // base64: OP_SESSION is the key's value (chart < 2.3.0); file: the key is mounted as the credentials file (chart >= 2.3.0)
                [CredentialsKey] = encoding == "base64" ? Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials))) : Encoding.UTF8.GetBytes(credentials),
                [TokenKey] = Encoding.UTF8.GetBytes(token.Trim()),
            };
            await context.Api.ApplySecretAsync(ns, name, keys.ToDictionary(k => k, k => values.TryGetValue(k, out var v) ? v
                : throw new PhaseFailedException($"bootstrap-config.yaml asks for key {k} in Secret {ns}/{name}; the onepassword phase provides {CredentialsKey} and {TokenKey}")), cancel);
            context.MarkStep($"{Name}/secret/{ns}/{name}");
        }
    }

    /// <summary>
    /// "base64" or "file": the `credentials:` row of <paramref name="secret"/> whose chart range holds the chart version of the
    /// HelmRelease in its `chart:` file. Anything unknown stops the phase before 1Password is asked and before anything is written.
    /// </summary>
    private static string EncodingOf(BootstrapContext context, CreatedSecret secret)
    {
        const string Next = "check how that chart version reads connect.credentialsKey (1Password/connect-helm-charts charts/connect/templates/connect-deployment.yaml), " +
            "add a credentials row for it in bootstrap-config.yaml, then `homeops bootstrap --resume`; nothing was written";
        if (secret.Chart is not { } file || secret.Credentials.Count == 0)
            throw new PhaseFailedException($"{secret.Location}: Secret {secret.Secret} holds {CredentialsKey} but names no chart: and credentials: rows, " +
                "so it is unknown whether Connect reads it base64-encoded or as a file", nextStep: Next);
        var release = context.Repo.Manifests.FirstOrDefault(m => m.File == file && m.Kind == "HelmRelease")
            ?? throw new PhaseFailedException($"{secret.LocationOf("chart")}: {file} holds no HelmRelease", nextStep: Next);
        var text = Manifest.Text(release.Get("/spec/chart/spec/version"));
        if (!ReleaseVersion.TryParse(text, out var version))
            throw new PhaseFailedException($"{file}: the HelmRelease pins no chart version I can read ('{text}')", nextStep: Next);
        foreach (var row in secret.Credentials)
        {
            if (!VersionRange.TryParse(row.Chart, out var range) || row.Encoding is not ("base64" or "file"))
                throw new PhaseFailedException($"{row.Location}: credentials row '{row.Chart}: {row.Encoding}' is not a version range and base64 or file", nextStep: Next);
            if (range.Contains(version)) return row.Encoding;
        }
        throw new PhaseFailedException($"chart {Manifest.Text(release.Get("/spec/chart/spec/chart")) ?? "?"} {text} ({release.At("/spec/chart/spec/version")}) is outside the credential encodings " +
            $"bootstrap-config.yaml knows ({string.Join(", ", secret.Credentials.Select(c => $"{c.Chart}: {c.Encoding}"))})", nextStep: Next);
    }

    public IEnumerable<string> Describe(BootstrapContext context)
    {
        var op = context.Plan.Config.Onepassword;
        var items = new[] { op.Connect.CredentialsItem, op.Connect.TokenItem }.OfType<string>().Select(i => $"op item get \"{i}\" --vault {op.Vault} --account {op.Account} --format json --reveal")
            .Append($"(a Document item) op document get \"{op.Connect.CredentialsItem}\" --vault {op.Vault} --account {op.Account}");
        var fallback = op.Connect.LegacyItem is { } legacy ? [$"(fallback) op item get \"{legacy}\" --vault {op.Vault} --account {op.Account} --format json --reveal"] : Array.Empty<string>();
        return items.Concat(fallback).Append("check 1password-credentials.json is complete (no truncated field)")
            .Concat(Secrets(context).Select(s => $"create Secret {s.Namespace}/{s.Name} (keys: {string.Join(", ", s.Keys)}; values ***" +
                (s.Keys.Contains(CredentialsKey) ? $"; credentials encoded for the chart in {s.Created.Chart})" : ")")));
    }

    private static IEnumerable<(string Namespace, string Name, IReadOnlyCollection<string> Keys, CreatedSecret Created)> Secrets(BootstrapContext context) =>
        context.Plan.Phase("onepassword").Settings.Creates.Select(c => c.Secret.Split('/') is [var ns, var name]
            ? (ns, name, (IReadOnlyCollection<string>)c.Keys, c)
            : throw new PhaseFailedException($"bootstrap-config.yaml: creates secret '{c.Secret}' is not namespace/name"));

    /// <summary>Separate credentials and token items first; the legacy item with fields credentials/token as fallback.</summary>
    private static async Task<(string Credentials, string Token)> ReadAsync(OnePasswordSettings op, IOnePassword tool, CancellationToken cancel)
    {
        var tried = new List<string>();
        if (op.Connect.CredentialsItem is { } credentialsItem && op.Connect.TokenItem is { } tokenItem)
        {
            var (credentialsRead, tokenRead) = (tool.ItemAsync(op.Account, op.Vault, credentialsItem, cancel), tool.ItemAsync(op.Account, op.Vault, tokenItem, cancel));
            var (credentials, token) = (await credentialsRead, await tokenRead);
            var c = Field(credentials, CredentialFields);
            // a Document item (1Password's "Save in 1Password" for 1password-credentials.json) keeps the file, not a field
            if (c is null && credentials is { } document && (document.Category == "DOCUMENT" || document.FileNames.Count > 0))
                c = await tool.DocumentAsync(op.Account, op.Vault, credentialsItem, cancel) is { } content && content.Trim().Length > 0 ? content : null;
            if (c is not null && Field(token, TokenFields) is { } t) return (c, t);
            tried.Add($"items \"{credentialsItem}\" and \"{tokenItem}\" ({(credentials is null ? "credentials item missing" : token is null ? "token item missing" : "a field is missing")})");
        }
        if (op.Connect.LegacyItem is { } legacyItem)
        {
            var legacy = await tool.ItemAsync(op.Account, op.Vault, legacyItem, cancel);
            if (Field(legacy, CredentialFields) is { } lc && Field(legacy, TokenFields) is { } lt) return (lc, lt);
            tried.Add($"legacy item \"{legacyItem}\" ({(legacy is null ? "missing" : "needs fields credentials and token")})");
        }
        throw new PhaseFailedException($"no 1Password Connect credentials found in vault {op.Vault}: tried {string.Join("; ", tried)}",
            nextStep: "store the credentials file and token in 1Password under the names in bootstrap-config.yaml (onepassword.connect), then `homeops bootstrap --resume`");
    }

    private static string? Field(OnePasswordItem? item, string[] labels) =>
        item is null ? null : labels.Select(l => item.Fields.GetValueOrDefault(l)).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
