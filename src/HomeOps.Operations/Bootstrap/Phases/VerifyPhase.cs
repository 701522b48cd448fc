namespace HomeOps.Operations.Bootstrap.Phases;

/// <summary>
/// The end state: every Flux Kustomization Ready, every node Ready, Cilium healthy and, when the cluster routes its
/// LoadBalancer addresses with BGP (a CiliumBGPClusterConfig in the tree), every BGP session established and advertising.
/// It changes nothing: it waits for the cluster to converge.
/// </summary>
public sealed class VerifyPhase : IPhase
{
    public string Name => "verify";

    public async Task<bool> IsDoneAsync(BootstrapContext context, CancellationToken cancel) => (await ProblemsAsync(context, cancel)).Count == 0;

    public async Task RunAsync(BootstrapContext context, CancellationToken cancel)
    {
        List<string> problems = [];
        try
        {
            await context.WaitUntilAsync(Name, "the cluster to converge", async c => (problems = await ProblemsAsync(context, c)).Count == 0, context.Plan.Phase(Name).Timeout, cancel);
        }
        catch (PhaseFailedException e)
        {
            throw new PhaseFailedException($"{e.Message}; still not ready:\n  - {string.Join("\n  - ", problems)}",
                nextStep: "`flux get kustomizations -A` and `cilium status` show why; then `homeops bootstrap --only verify`");
        }
    }

    public IEnumerable<string> Describe(BootstrapContext context) =>
    [
        "wait for every Flux Kustomization Ready", "wait for every node Ready", "cilium status (healthy)",
        .. UsesBgp(context) ? ["cilium bgp peers (every session established, routes advertised)"] : Array.Empty<string>(),
    ];

    /// <summary>A cluster that announces on the node network (L2) has no BGP session to wait for.</summary>
    private static bool UsesBgp(BootstrapContext context) => context.Repo.Cluster.OfKind("cilium.io", "CiliumBGPClusterConfig").Any();

    private static async Task<List<string>> ProblemsAsync(BootstrapContext context, CancellationToken cancel)
    {
        var problems = new List<string>();
        var hostnames = context.Talos.Nodes.Select(n => n.Hostname).ToList();
        var (kustomizationsRead, nodesRead, healthRead, peersRead) = (context.Api.KustomizationsAsync(cancel), context.Api.NodesAsync(cancel),
            context.Tools.Cilium.StatusAsync(context.Kubeconfig, cancel), UsesBgp(context) ? context.Tools.Cilium.BgpPeersAsync(context.Kubeconfig, hostnames, cancel) : null);
        problems.AddRange((await kustomizationsRead).Where(k => !k.Ready).Select(k => $"Kustomization {k.Namespace}/{k.Name}: {k.Message}"));
        var nodes = await nodesRead;
        problems.AddRange(nodes.Where(n => !n.Ready).Select(n => $"node {n.Name} is not Ready"));
        var health = await healthRead;
        problems.AddRange(health.Problems.Select(p => $"cilium: {p}"));
        if (!health.Ready && health.Problems.Count == 0) problems.Add("cilium is not ready");
        if (peersRead is null) return problems;
        var answer = await peersRead;
        var peers = answer.Items;
        // a node whose agent did not answer is named; the nodes that did are still judged
        problems.AddRange(answer.Unanswered.Select(u => $"BGP sessions of {u.Key}: not reported ({u.Value})"));
        if (peers.Count == 0 && answer.Complete) problems.Add("no BGP session: check CiliumBGPClusterConfig and the router");
        problems.AddRange(peers.Where(p => !string.Equals(p.SessionState, "established", StringComparison.OrdinalIgnoreCase))
            .Select(p => $"BGP session {p.Node} → {p.PeerAddress} (AS {p.PeerAsn}) is {p.SessionState}"));
        problems.AddRange(peers.Where(p => string.Equals(p.SessionState, "established", StringComparison.OrdinalIgnoreCase) && p.AdvertisedRoutes == 0)
            .Select(p => $"BGP session {p.Node} → {p.PeerAddress} is established but advertises nothing (run `homeops validate --rule bgp/`)"));
        return problems;
    }
}
