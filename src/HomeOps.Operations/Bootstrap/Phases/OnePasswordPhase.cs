using System.Text;
using HomeOps.Model.Bootstrap;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Bootstrap.Phases;

/// <summary>
/// Reads the 1Password Connect credentials and token with `op` (separate items first, the legacy
/// single item as fallback), checks the credentials are complete before anything is written, and
/// creates the Secrets that bootstrap-config.yaml lists under `creates:` through the API.
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
        foreach (var (ns, name, keys) in Secrets(context))
            if (!await context.Api.SecretHasKeysAsync(ns, name, keys, cancel)) return false;
        return true;
    }

    public async Task RunAsync(BootstrapContext context, CancellationToken cancel)
    {
        var (credentials, token) = await ReadAsync(context.Plan.Config.Onepassword, context.Tools.OnePassword, cancel);
        if (ConnectCredentials.Problems(credentials) is { Count: > 0 } problems)
            throw new PhaseFailedException($"the 1Password Connect credentials are unusable:\n  - {string.Join("\n  - ", problems)}",
                nextStep: "re-export 1password-credentials.json from 1Password (Integrations → Connect server), store it again, then `homeops bootstrap --resume`; nothing was written to the cluster");
        // The Connect chart hands OP_SESSION to the server as base64 of the credentials file, so the
        // Secret holds the file base64-encoded (as `--set-file connect.credentials` would produce).
        var values = new Dictionary<string, byte[]>
        {
            [CredentialsKey] = Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials))),
            [TokenKey] = Encoding.UTF8.GetBytes(token.Trim()),
        };
        foreach (var (ns, name, keys) in Secrets(context))
        {
            await context.Api.ApplySecretAsync(ns, name, keys.ToDictionary(k => k, k => values.TryGetValue(k, out var v) ? v
                : throw new PhaseFailedException($"bootstrap-config.yaml asks for key {k} in Secret {ns}/{name}; the onepassword phase provides {CredentialsKey} and {TokenKey}")), cancel);
            context.MarkStep($"{Name}/secret/{ns}/{name}");
        }
    }

    public IEnumerable<string> Describe(BootstrapContext context)
    {
        var op = context.Plan.Config.Onepassword;
        var items = new[] { op.Connect.CredentialsItem, op.Connect.TokenItem }.OfType<string>().Select(i => $"op item get \"{i}\" --vault {op.Vault} --account {op.Account} --format json --reveal");
        var fallback = op.Connect.LegacyItem is { } legacy ? [$"(fallback) op item get \"{legacy}\" --vault {op.Vault} --account {op.Account} --format json --reveal"] : Array.Empty<string>();
        return items.Concat(fallback).Append("check 1password-credentials.json is complete (no truncated field)")
            .Concat(Secrets(context).Select(s => $"create Secret {s.Namespace}/{s.Name} (keys: {string.Join(", ", s.Keys)}; values ***)"));
    }

    private static IEnumerable<(string Namespace, string Name, IReadOnlyCollection<string> Keys)> Secrets(BootstrapContext context) =>
        context.Plan.Phase("onepassword").Settings.Creates.Select(c => c.Secret.Split('/') is [var ns, var name]
            ? (ns, name, (IReadOnlyCollection<string>)c.Keys)
            : throw new PhaseFailedException($"bootstrap-config.yaml: creates secret '{c.Secret}' is not namespace/name"));

    /// <summary>Separate credentials and token items first; the legacy item with fields credentials/token as fallback.</summary>
    private static async Task<(string Credentials, string Token)> ReadAsync(OnePasswordSettings op, IOnePassword tool, CancellationToken cancel)
    {
        var tried = new List<string>();
        if (op.Connect.CredentialsItem is { } credentialsItem && op.Connect.TokenItem is { } tokenItem)
        {
            var (credentialsRead, tokenRead) = (tool.ItemAsync(op.Account, op.Vault, credentialsItem, cancel), tool.ItemAsync(op.Account, op.Vault, tokenItem, cancel));
            var (credentials, token) = (await credentialsRead, await tokenRead);
            if (Field(credentials, CredentialFields) is { } c && Field(token, TokenFields) is { } t) return (c, t);
            tried.Add($"items \"{credentialsItem}\" and \"{tokenItem}\" ({(credentials is null ? "credentials item missing" : token is null ? "token item missing" : "a field is missing")})");
        }
        if (op.Connect.LegacyItem is { } legacyItem)
        {
            var legacy = await tool.ItemAsync(op.Account, op.Vault, legacyItem, cancel);
            if (Field(legacy, CredentialFields) is { } c && Field(legacy, TokenFields) is { } t) return (c, t);
            tried.Add($"legacy item \"{legacyItem}\" ({(legacy is null ? "missing" : "needs fields credentials and token")})");
        }
        throw new PhaseFailedException($"no 1Password Connect credentials found in vault {op.Vault}: tried {string.Join("; ", tried)}",
            nextStep: "store the credentials file and token in 1Password under the names in bootstrap-config.yaml (onepassword.connect), then `homeops bootstrap --resume`");
    }

    private static string? Field(OnePasswordItem? item, string[] labels) =>
        item is null ? null : labels.Select(l => item.Fields.GetValueOrDefault(l)).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
