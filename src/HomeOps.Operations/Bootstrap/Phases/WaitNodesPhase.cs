namespace HomeOps.Operations.Bootstrap.Phases;

/// <summary>
/// Waits until every node of talconfig.yaml has registered with the API server. Not Ready: without
/// a CNI (cniConfig: none) nodes stay NotReady until the cilium phase; verify checks Ready.
/// </summary>
public sealed class WaitNodesPhase : IPhase
{
    public string Name => "wait-nodes";

    public async Task<bool> IsDoneAsync(BootstrapContext context, CancellationToken cancel) => (await MissingAsync(context, cancel)).Count == 0;

    public Task RunAsync(BootstrapContext context, CancellationToken cancel) =>
        context.WaitUntilAsync(Name, $"{context.Talos.Nodes.Count} nodes to register", async c => (await MissingAsync(context, c)).Count == 0, context.Plan.Phase(Name).Timeout, cancel);

    public IEnumerable<string> Describe(BootstrapContext context) =>
        [$"watch the API until nodes {string.Join(", ", context.Talos.Nodes.Select(n => n.Hostname))} are registered"];

    private static async Task<List<string>> MissingAsync(BootstrapContext context, CancellationToken cancel)
    {
        var registered = (await context.Api.NodesAsync(cancel)).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        return context.Talos.Nodes.Select(n => n.Hostname).Where(h => !registered.Contains(h)).ToList();
    }
}
