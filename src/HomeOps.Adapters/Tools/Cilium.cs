using System.Text.Json;
using HomeOps.Operations.Tools;

namespace HomeOps.Adapters.Tools;

/// <summary>
/// cilium-cli v0.16 (read at cilium/cilium-cli@v0.16.24, whose code is vendored under
/// vendor/github.com/cilium/cilium/cilium-cli/, "CLI/" below; the bgp code is the same in substance since v0.16.0):
/// `cilium version --client` prints "cilium-cli: v0.16.24 compiled with go1.23.4 on linux/amd64" first (CLI/cli/version.go);
/// `cilium status -o json` prints the status.Status struct (CLI/status/status.go); `cilium bgp peers -o json` prints a map
/// node name → []models.BgpPeer (CLI/bgp/peers.go); `cilium bgp routes advertised AFI unicast -o json` prints a map node name
/// → []models.BgpRoute {"router-asn","neighbor","prefix","paths"} (CLI/bgp/routes.go). All take the global `--kubeconfig`.
/// </summary>
public sealed class Cilium(ToolRunner runner) : ICilium
{
    public string Name => "cilium";

    /// <summary>
    /// Run offline (<see cref="ToolResults.Offline"/>): `version --client` still fetches the stable version from GitHub
    /// (CLI/cli/version.go:19-31, 44) and would otherwise leave the machine; only the first line is read.
    /// </summary>
    public Task<string?> VersionAsync(CancellationToken cancel) =>
        runner.VersionAsync(Name, ["version", "--client"], r =>
            r.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith("cilium-cli:", StringComparison.Ordinal)) is { } line
                ? ToolResults.Version(line) : null, "a first line `cilium-cli: vX.Y.Z compiled with ...`, as cilium-cli v0.16 prints it", cancel);

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

    /// <summary>
    /// At v0.16 one agent that does not answer fails the whole listing: errors are joined and nothing is printed, exit 1
    /// ("Unable to get peering status: failed to fetch bgp state from POD: ...", CLI/bgp/peers.go:43-48,89-95, cli/bgp.go:41-44).
    /// Then each node's agent is asked alone (`--node NAME`, cli/bgp.go:53) so the answer names the nodes that did not answer.
    /// </summary>
    public async Task<CiliumBgpAnswer<PeerSession>> BgpPeersAsync(string kubeconfig, IReadOnlyCollection<string> nodes, CancellationToken cancel)
    {
        var whole = await runner.RunAsync(Name, PeersArguments(kubeconfig, null), cancel);
        if (ToolRunner.IsNotFound(whole) || (whole.ExitCode != 0 && nodes.Count == 0)) whole.Check("cilium bgp peers");
        if (whole.ExitCode == 0)
        {
            var (peers, answered) = await ParsePeersAsync(whole, cancel);
            return new(peers, NotListed(nodes, answered, null));
        }
        var items = new List<PeerSession>();
        var unanswered = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (node, result) in await Task.WhenAll(nodes.Select(async n => (n, await runner.RunAsync(Name, PeersArguments(kubeconfig, n), cancel)))))
        {
            if (result.ExitCode != 0) { unanswered[node] = ErrorText(result); continue; }
            var (peers, answered) = await ParsePeersAsync(result, cancel);
            items.AddRange(peers);
            if (!answered.Contains(node)) unanswered[node] = "cilium-cli listed no BGP state for it";
        }
        return new(items, unanswered);
    }

    private static string[] PeersArguments(string kubeconfig, string? node) =>
        ["bgp", "peers", "--output", "json", .. node is null ? Array.Empty<string>() : ["--node", node], "--kubeconfig", kubeconfig];

    private async Task<(List<PeerSession> Peers, HashSet<string> Nodes)> ParsePeersAsync(ToolResult result, CancellationToken cancel)
    {
        try
        {
            var peers = new List<PeerSession>();
            var nodes = new HashSet<string>(StringComparer.Ordinal);
            foreach (var node in JsonObjectOf(result).EnumerateObject())
            {
                nodes.Add(node.Name);
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
            return (peers, nodes);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ToolFailedException(result, $"{await DescribeAsync(cancel)} `{result.CommandLine}` printed output that is not the BGP peers JSON " +
                $"of cilium-cli v0.16 (a map of node name to peers): {e.Message}");
        }
    }

    /// <summary>
    /// Partial answers are normal here: nodes whose agent answered are printed, the others' errors go to stderr as
    /// "Errors by retrieving routes: ..." and the exit code stays 0 (CLI/bgp/routes.go:58-68); only when none answered is it
    /// "Unable to get BGP routes: ...", exit 1. A node absent from the JSON did not answer.
    /// </summary>
    public async Task<CiliumBgpAnswer<AdvertisedRoute>> AdvertisedRoutesAsync(string afi, string kubeconfig, IReadOnlyCollection<string> nodes, CancellationToken cancel)
    {
        var result = await runner.RunAsync(Name, ["bgp", "routes", "advertised", afi, "unicast", "--output", "json", "--kubeconfig", kubeconfig], cancel);
        if (ToolRunner.IsNotFound(result) || (result.ExitCode != 0 && nodes.Count == 0)) result.Check("cilium bgp routes");
        if (result.ExitCode != 0) return new([], nodes.ToDictionary(n => n, _ => ErrorText(result), StringComparer.Ordinal));
        try
        {
            var routes = new List<AdvertisedRoute>();
            var answered = new HashSet<string>(StringComparer.Ordinal);
            foreach (var node in JsonObjectOf(result).EnumerateObject())
            {
                answered.Add(node.Name);
                if (node.Value.ValueKind != JsonValueKind.Array) continue; // null: the agent answered with no route
                routes.AddRange(node.Value.EnumerateArray().Select(route => new AdvertisedRoute(node.Name,
                    route.TryGetProperty("neighbor", out var peer) ? peer.GetString() ?? "" : "",
                    route.TryGetProperty("prefix", out var prefix) ? prefix.GetString() ?? "" : "")));
            }
            const string Prefix = "Errors by retrieving routes:";
            var errors = result.Stderr.Contains(Prefix, StringComparison.Ordinal)
                ? result.Stderr[(result.Stderr.IndexOf(Prefix, StringComparison.Ordinal) + Prefix.Length)..].Trim().Replace("\n", "; ", StringComparison.Ordinal)
                : null;
            return new(routes, NotListed(nodes, answered, errors));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new ToolFailedException(result, $"{await DescribeAsync(cancel)} `{result.CommandLine}` printed output that is not the BGP routes JSON " +
                $"of cilium-cli v0.16 (a map of node name to routes): {e.Message}");
        }
    }

    /// <summary>The asked-for nodes cilium-cli printed nothing for, each with cilium-cli's errors (which name agent pods, not nodes).</summary>
    private static Dictionary<string, string> NotListed(IEnumerable<string> nodes, HashSet<string> answered, string? errors) =>
        nodes.Where(n => !answered.Contains(n)).ToDictionary(n => n,
            _ => errors is null ? "cilium-cli listed nothing for it (no Cilium agent on that node?)" : $"cilium-cli listed nothing for it and reported: {errors}", StringComparer.Ordinal);

    private static string ErrorText(ToolResult result) => result.Tail(3).Trim().Replace("Error: ", "", StringComparison.Ordinal).Replace("\n", "; ", StringComparison.Ordinal);

    /// <summary>The JSON object cilium-cli printed (a note line may precede it without -o json).</summary>
    private static JsonElement JsonObjectOf(ToolResult result)
    {
        var start = result.Stdout.IndexOfAny(['{', '[']);
        if (start < 0) throw new JsonException("no JSON object");
        var root = JsonDocument.Parse(result.Stdout[start..]).RootElement;
        return root.ValueKind == JsonValueKind.Object ? root : throw new JsonException($"a JSON {root.ValueKind}, not an object");
    }

    /// <summary>"cilium v0.16.24" (or "cilium (version unknown)") for messages about what it printed.</summary>
    private async Task<string> DescribeAsync(CancellationToken cancel)
    {
        try { return $"{Name} {await VersionAsync(cancel) ?? "(not on PATH)"}"; }
        catch (ToolFailedException) { return $"{Name} (version unknown)"; }
    }
}
