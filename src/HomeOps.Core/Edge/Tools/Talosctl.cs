using System.Text.Json;

namespace HomeOps.Core.Edge.Tools;

/// <summary>
/// talosctl, with the flags of siderolabs/talos cmd/talosctl (read at commit ad88231, 2026-08):
/// global `--nodes/-n`, `--endpoints/-e`, `--talosconfig`; `--insecure` only on the commands that take
/// it (apply-config, get, version). Every authenticated call names the node as its own endpoint, so no
/// talosconfig context needs endpoints set.
/// </summary>
public sealed class Talosctl(ToolRunner runner) : ITalosctl
{
    public string Name => "talosctl";

    // `talosctl version --client --short` prints "Client:\nTalos v1.10.5" (cmd/talosctl/cmd/talos/version.go,
    // pkg/machinery/version.Short = "<Name> <Tag>").
    public Task<string?> VersionAsync(CancellationToken cancel) =>
        runner.VersionAsync(Name, ["version", "--client", "--short"], r => ToolResults.Version(r.Stdout), cancel);

    /// <summary>
    /// A node in maintenance mode answers the unauthenticated maintenance API: `talosctl get machinestatus
    /// --insecure` prints the resource with spec.stage "maintenance". A configured node refuses that
    /// connection (apid requires a client certificate: tls.Mutual in internal/app/apid/pkg/provider) but
    /// answers the same read with the talosconfig. Neither answering is unreachable.
    /// </summary>
    public async Task<TalosNodeState> StateAsync(string node, string talosconfig, CancellationToken cancel)
    {
        var insecure = await runner.RunAsync(Name, ["get", "machinestatus", "--insecure", "--nodes", node, "--output", "json"], cancel);
        NotMissing(insecure);
        if (insecure.ExitCode == 0 && Stage(insecure) is "maintenance") return TalosNodeState.Maintenance;

        var secure = await runner.RunAsync(Name, [.. Authenticated(node, talosconfig), "get", "machinestatus", "--output", "json"], cancel);
        // answering neither way (or insecurely but past maintenance, e.g. installing) is not ready for anything
        return secure.ExitCode == 0 ? TalosNodeState.Configured : TalosNodeState.Unreachable;
    }

    public async Task ApplyConfigInsecureAsync(string node, string configFile, CancellationToken cancel) =>
        (await runner.RunAsync(Name, ["apply-config", "--insecure", "--nodes", node, "--file", configFile], cancel))
            .Check($"apply-config --insecure to {node}");

    /// <summary>
    /// `talosctl get services etcd -o json`: the Service resource (pkg/machinery/resources/v1alpha1/service.go)
    /// has spec.running / spec.healthy. Before bootstrap etcd waits to join (not running) or has no resource
    /// yet (NotFound): both false. Any other failure (node unreachable, wrong talosconfig) throws.
    /// </summary>
    public async Task<bool> EtcdRunningAsync(string node, string talosconfig, CancellationToken cancel)
    {
        var result = await runner.RunAsync(Name, [.. Authenticated(node, talosconfig), "get", "services", "etcd", "--output", "json"], cancel);
        if (result.ExitCode != 0 && (result.Stderr.Contains("NotFound", StringComparison.Ordinal) || result.Stderr.Contains("doesn't exist", StringComparison.Ordinal)))
            return false;
        result.Check($"etcd status on {node}");
        return Resources(result).Any(r => r.TryGetProperty("spec", out var spec) && spec.TryGetProperty("running", out var running) && running.GetBoolean());
    }

    /// <summary>Fails with "rpc error: code = AlreadyExists desc = etcd data directory is not empty" when run twice (v1alpha1_server.go).</summary>
    public async Task BootstrapAsync(string node, string talosconfig, CancellationToken cancel) =>
        (await runner.RunAsync(Name, [.. Authenticated(node, talosconfig), "bootstrap"], cancel)).Check($"etcd bootstrap on {node}");

    /// <summary>
    /// `talosctl kubeconfig PATH --force --merge=false`: --merge defaults to TRUE in talosctl (kubeconfig.go),
    /// which would merge into an existing PATH; with --merge=false the file is replaced and written 0600.
    /// </summary>
    public async Task KubeconfigAsync(string node, string talosconfig, string path, CancellationToken cancel)
    {
        (await runner.RunAsync(Name, [.. Authenticated(node, talosconfig), "kubeconfig", path, "--force", "--merge=false"], cancel))
            .Check($"kubeconfig from {node}");
        if (!OperatingSystem.IsWindows() && File.Exists(path))
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static string[] Authenticated(string node, string talosconfig) =>
        ["--talosconfig", talosconfig, "--nodes", node, "--endpoints", node];

    private static void NotMissing(ToolResult result)
    {
        if (ToolRunner.IsNotFound(result)) result.Check();
    }

    private static string? Stage(ToolResult result) =>
        Resources(result).Select(r => r.TryGetProperty("spec", out var spec) && spec.TryGetProperty("stage", out var stage) ? stage.GetString() : null)
            .FirstOrDefault(s => s is not null);

    /// <summary>`talosctl get -o json` writes one indented JSON object per resource, one after another (output/json.go).</summary>
    internal static List<JsonElement> Resources(ToolResult result)
    {
        var list = new List<JsonElement>();
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(result.Stdout), new JsonReaderOptions { AllowMultipleValues = true });
        try
        {
            while (JsonDocument.TryParseValue(ref reader, out var doc))
                if (doc is not null) list.Add(doc.RootElement.Clone());
        }
        catch (JsonException e)
        {
            throw new ToolFailedException(result, $"`{result.CommandLine}` printed output that is not talosctl's JSON: {e.Message}");
        }
        return list;
    }
}
