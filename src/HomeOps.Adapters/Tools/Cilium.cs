using System.Text.Json;
using HomeOps.Operations.Tools;

namespace HomeOps.Adapters.Tools;

/// <summary>
/// cilium-cli (cilium/cilium cilium-cli/, vendored in cilium/cilium-cli at e694be3, 2026-08):
/// `cilium version --client` prints "cilium-cli: v0.16.20 compiled with go1.23.4 on linux/amd64" first;
/// `cilium status -o json` prints the status.Status struct (cilium-cli/status/status.go);
/// `cilium bgp peers -o json` prints a map node name → []models.BgpPeer (cilium-cli/bgp/peers.go,
/// api/v1/models/bgp_peer.go); `cilium bgp routes advertised AFI unicast -o json` prints a map node name →
/// []models.BgpRoute {"router-asn","neighbor","prefix","paths"} (cilium-cli/bgp/routes.go). All take the global `--kubeconfig`.
/// </summary>
public sealed class Cilium(ToolRunner runner) : ICilium
{
    public string Name => "cilium";

    public Task<string?> VersionAsync(CancellationToken cancel) =>
        runner.VersionAsync(Name, ["version", "--client"], r =>
            r.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith("cilium-cli:", StringComparison.Ordinal)) is { } line
                ? ToolResults.Version(line) : null, cancel);

    /// <summary>
    /// Healthy: the agent DaemonSet ("cilium" in pod_state) has every desired pod ready, and no component
    /// reports errors (errors: deployment → pod → {Errors, Warnings, Disabled}). `cilium status` exits 1 after
    /// printing the JSON when it could not collect everything; that JSON is still read. Not-ready answers
    /// (no JSON at all, e.g. no API server yet) come back as problems, so the caller can poll.
    /// </summary>
    public async Task<CiliumHealth> StatusAsync(string kubeconfig, CancellationToken cancel)
    {
        var result = await runner.RunAsync(Name, ["status", "--output", "json", "--kubeconfig", kubeconfig], cancel);
        if (ToolRunner.IsNotFound(result)) result.Check();
        JsonElement root;
        try
        {
            var start = result.Stdout.IndexOf('{');
            if (start < 0) return new CiliumHealth(false, [$"`{result.CommandLine}` exited {result.ExitCode}: {result.Tail(3)}"]);
            root = JsonDocument.Parse(result.Stdout[start..]).RootElement;
        }
        catch (JsonException e)
        {
            return new CiliumHealth(false, [$"`{result.CommandLine}` printed unreadable JSON: {e.Message}"]);
        }

        var problems = new List<string>();
        if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            foreach (var deployment in errors.EnumerateObject())
                foreach (var pod in deployment.Value.EnumerateObject())
                    if (pod.Value.TryGetProperty("Errors", out var list) && list.ValueKind == JsonValueKind.Array)
                        foreach (var message in list.EnumerateArray())
                            problems.Add($"{deployment.Name}/{pod.Name}: {message.GetString()}");

        if (root.TryGetProperty("pod_state", out var states) && states.TryGetProperty("cilium", out var agent))
        {
            int desired = agent.GetProperty("Desired").GetInt32(), ready = agent.GetProperty("Ready").GetInt32();
            if (desired == 0 || ready < desired) problems.Add($"cilium DaemonSet: {ready}/{desired} pods ready");
        }
        else problems.Add("cilium DaemonSet not found");

        if (result.ExitCode != 0 && problems.Count == 0) problems.Add($"`{result.CommandLine}` exited {result.ExitCode}: {result.Tail(3)}");
        return new CiliumHealth(problems.Count == 0, problems.Distinct().ToList());
    }

    public async Task<IReadOnlyList<PeerSession>> BgpPeersAsync(string kubeconfig, CancellationToken cancel)
    {
        var result = (await runner.RunAsync(Name, ["bgp", "peers", "--output", "json", "--kubeconfig", kubeconfig], cancel)).Check("cilium bgp peers");
        try
        {
            var peers = new List<PeerSession>();
            var start = result.Stdout.IndexOf('{');
            if (start < 0) throw new JsonException("no JSON object");
            foreach (var node in JsonDocument.Parse(result.Stdout[start..]).RootElement.EnumerateObject())
            {
                if (node.Value.ValueKind != JsonValueKind.Array) continue;
                foreach (var peer in node.Value.EnumerateArray())
                {
                    var advertised = peer.TryGetProperty("families", out var families) && families.ValueKind == JsonValueKind.Array
                        ? families.EnumerateArray().Sum(f => f.TryGetProperty("advertised", out var a) ? a.GetInt32() : 0)
                        : 0;
                    peers.Add(new PeerSession(node.Name,
                        peer.TryGetProperty("peer-address", out var address) ? address.GetString() ?? "" : "",
                        peer.TryGetProperty("peer-asn", out var asn) ? asn.GetInt64() : 0,
                        peer.TryGetProperty("session-state", out var state) ? state.GetString() ?? "" : "",
                        advertised));
                }
            }
            return peers;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ToolFailedException(result, $"`{result.CommandLine}` printed output that is not cilium's BGP JSON: {e.Message}");
        }
    }

    public async Task<IReadOnlyList<AdvertisedRoute>> AdvertisedRoutesAsync(string afi, string kubeconfig, CancellationToken cancel)
    {
        var result = (await runner.RunAsync(Name, ["bgp", "routes", "advertised", afi, "unicast", "--output", "json", "--kubeconfig", kubeconfig], cancel))
            .Check("cilium bgp routes");
        try
        {
            var start = result.Stdout.IndexOf('{');
            if (start < 0) throw new JsonException("no JSON object");
            return JsonDocument.Parse(result.Stdout[start..]).RootElement.EnumerateObject()
                .Where(node => node.Value.ValueKind == JsonValueKind.Array)
                .SelectMany(node => node.Value.EnumerateArray().Select(route => new AdvertisedRoute(node.Name,
                    route.TryGetProperty("neighbor", out var peer) ? peer.GetString() ?? "" : "",
                    route.TryGetProperty("prefix", out var prefix) ? prefix.GetString() ?? "" : "")))
                .ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new ToolFailedException(result, $"`{result.CommandLine}` printed output that is not cilium's route JSON: {e.Message}");
        }
    }
}
