using System.Text.Json;
using System.Text.Json.Nodes;

namespace HomeOps.Operations.Bootstrap;

/// <summary>
/// Checks a 1Password Connect credentials file (1password-credentials.json) before it goes into the
/// cluster. Long fields copied through a 1Password item have been seen cut off (encCredentials.data
/// most often); Connect then fails much later with an opaque error. Only structure is reported,
/// never a value.
/// </summary>
public static class ConnectCredentials
{
    private static readonly (string Path, bool Base64Url)[] Required =
    [
        ("verifier.salt", true), ("verifier.localHash", true),
        ("encCredentials.kid", false), ("encCredentials.enc", false), ("encCredentials.cty", false),
        ("encCredentials.iv", true), ("encCredentials.data", true),
        ("version", false), ("deviceUuid", false),
        ("uniqueKey.alg", false), ("uniqueKey.k", true), ("uniqueKey.kid", false), ("uniqueKey.kty", false),
    ];

    /// <summary>What is wrong with <paramref name="json"/>; empty when it is a complete credentials file.</summary>
    public static IReadOnlyList<string> Problems(string json)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException e)
        {
            return [$"it is not complete JSON ({e.Message.Split(" Path:")[0]}); a field was probably truncated when it was copied into 1Password"];
        }
        if (root is not JsonObject) return ["it is not a JSON object"];
        var problems = new List<string>();
        foreach (var (path, base64Url) in Required)
        {
            var node = path.Split('.').Aggregate((JsonNode?)root, (n, key) => n is JsonObject o ? o[key] : null);
            var text = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node is JsonValue number ? number.ToJsonString() : null;
            if (string.IsNullOrEmpty(text)) problems.Add($"field {path} is missing or empty");
            else if (base64Url && !IsBase64Url(text)) problems.Add($"field {path} is not valid base64url ({text.Length} characters): truncated?");
        }
        return problems;
    }

    /// <summary>base64url without padding: a length of 1 mod 4 can never come out of an encoder.</summary>
    private static bool IsBase64Url(string text) =>
        text.Length % 4 != 1 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '+' or '/' or '=');
}
