using System.Text.Json;
using HomeOps.Operations.Tools;

namespace HomeOps.Adapters.Tools;

/// <summary>
/// 1Password CLI v2 (closed source: from developer.1password.com/docs/cli and public threads, see docs/tools.md): `op --version`
/// prints "2.31.1"; `op item get ITEM --vault V --account A --format json --reveal` prints the item ({"id", "title", "vault",
/// "category", "fields": [{"id", "type", "purpose"?, "label", "value", "reference"}], "files"?: [{"id", "name", "size",
/// "content_path"}], ...}; developer.1password.com/docs/cli/item-template-json). Without --reveal, concealed values are replaced
/// by a hint (op ≥ 2.30.0, which added --reveal). A Document item keeps its file under "files", fetched with `op document get`.
/// A missing item is exit 1 with `[ERROR] &lt;date&gt; "ITEM" isn't an item in the "V" vault. ...` on stderr.
/// The output holds secrets: it never leaves this class, not even in a failure's ToolResult.
/// </summary>
public sealed class OnePassword(ToolRunner runner) : IOnePassword
{
    public string Name => "op";

    public Task<string?> VersionAsync(CancellationToken cancel) =>
        runner.VersionAsync(Name, ["--version"], r => ToolResults.Version(r.Stdout), "`X.Y.Z`, as op v2 prints it", cancel);

    public async Task<OnePasswordItem?> ItemAsync(string account, string vault, string item, CancellationToken cancel)
    {
        var raw = await runner.RunAsync(Name, ["item", "get", item, "--vault", vault, "--account", account, "--format", "json", "--reveal"], cancel);
        var result = raw with { Stdout = raw.Stdout.Length == 0 ? "" : $"({raw.Stdout.Length} characters of item JSON withheld)" };
        if (raw.ExitCode != 0 && (raw.Stderr.Contains("isn't an item", StringComparison.Ordinal) || raw.Stderr.Contains("\"code\":\"not_found\"", StringComparison.Ordinal)))
            return null;
        result.Check($"op item get \"{item}\"");
        try
        {
            var root = JsonDocument.Parse(raw.Stdout).RootElement;
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("fields", out var list) && list.ValueKind == JsonValueKind.Array)
                foreach (var field in list.EnumerateArray())
                {
                    var label = field.TryGetProperty("label", out var l) ? l.GetString() : null;
                    label ??= field.TryGetProperty("id", out var id) ? id.GetString() : null;
                    if (label is null || fields.ContainsKey(label)) continue; // first field of a label wins, as `op read` does
                    fields[label] = field.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
                }
            var files = root.TryGetProperty("files", out var listed) && listed.ValueKind == JsonValueKind.Array
                ? listed.EnumerateArray().Select(f => f.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "").ToList()
                : [];
            return new OnePasswordItem(root.TryGetProperty("title", out var t) ? t.GetString() ?? item : item, fields,
                root.TryGetProperty("category", out var c) ? c.GetString() ?? "" : "", files);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // the output itself may hold secrets: only its kind is named
            var seen = raw.Stdout.Trim().Length == 0 ? "nothing" : $"output that is not an item's JSON ({e.GetType().Name})";
            throw new ToolFailedException(result, $"`{result.CommandLine}` printed {seen}; expected the item JSON of op v2 (an object with title, category and fields)");
        }
    }

    public async Task<string?> DocumentAsync(string account, string vault, string item, CancellationToken cancel)
    {
        var raw = await runner.RunAsync(Name, ["document", "get", item, "--vault", vault, "--account", account], cancel);
        var result = raw with { Stdout = raw.Stdout.Length == 0 ? "" : $"({raw.Stdout.Length} characters of document withheld)" };
        if (raw.ExitCode != 0 && raw.Stderr.Contains("isn't an item", StringComparison.Ordinal)) return null;
        result.Check($"op document get \"{item}\"");
        return raw.Stdout;
    }
}
