using HomeOps.Model;
using HomeOps.Operations.Observe;

namespace HomeOps.Operations.Maintenance;

/// <summary>What the upgrade gates read from the Kubernetes API at one moment: the Nodes, and Longhorn's volumes (null: Longhorn is not installed).</summary>
public sealed record KubernetesView(IReadOnlyList<LiveNode> Nodes, IReadOnlyList<LonghornVolume>? Volumes)
{
    /// <summary>The volumes Longhorn calls healthy now: a node going down must not leave any of them degraded or faulted.</summary>
    public IReadOnlySet<string> HealthyVolumes =>
        (Volumes ?? []).Where(v => v.Condition == VolumeCondition.Healthy).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
}

/// <summary>
/// The Kubernetes side of the upgrade health gates, pure: a function of one <see cref="KubernetesView"/>. The waiting
/// (read again until the gate opens or the node timeout passes) is the orchestrator's.
/// </summary>
public static class KubernetesGates
{
    /// <summary>
    /// Why an upgrade may not start: a talconfig node without a Node object or not Ready, a kubelet newer than
    /// <paramref name="kubelet"/> (when given), a Longhorn volume already degraded or faulted (a node going down
    /// could take its last good replica).
    /// </summary>
    public static IReadOnlyList<string> BeforeUpgrade(KubernetesView view, IReadOnlyList<NodeRef> nodes, ReleaseVersion? kubelet = null)
    {
        var problems = nodes.Select(n => NodeProblem(view, n, null)).OfType<string>().ToList();
        if (kubelet is not null)
            problems.AddRange(nodes.Select(n => (Node: n, Live: Find(view, n)))
                .Where(x => x.Live is not null && ReleaseVersion.TryParse(x.Live.KubeletVersion, out var running) && running > kubelet)
                .Select(x => $"the kubelet on {x.Node.Hostname} already runs {x.Live!.KubeletVersion}, newer than {kubelet}"));
        problems.AddRange((view.Volumes ?? []).Where(Broken)
            .Select(v => $"Longhorn volume {v.Name} is {v.Robustness} (state {v.State}); let Longhorn rebuild its replicas first"));
        return problems;
    }

    /// <summary>
    /// Empty once the cluster has settled after a node went down: every node's Node is Ready (and, when
    /// <paramref name="kubelet"/> is given, its kubelet reports that version), and no volume of
    /// <paramref name="healthyBefore"/> is degraded or faulted (Longhorn rebuilds the replicas of the node that left).
    /// </summary>
    public static IReadOnlyList<string> Settled(KubernetesView view, IReadOnlyList<NodeRef> nodes, ReleaseVersion? kubelet, IReadOnlySet<string> healthyBefore) =>
        nodes.Select(n => NodeProblem(view, n, kubelet)).OfType<string>()
            .Concat((view.Volumes ?? []).Where(v => healthyBefore.Contains(v.Name) && Broken(v))
                .Select(v => $"Longhorn volume {v.Name} is {v.Robustness} (healthy before; Longhorn is still rebuilding its replicas or cannot)"))
            .ToList();

    private static string? NodeProblem(KubernetesView view, NodeRef node, ReleaseVersion? kubelet)
    {
        if (Find(view, node) is not { } live) return $"{node.Hostname} has no Node object in the Kubernetes API (its kubelet has not registered)";
        if (!live.Ready) return $"Node {live.Name} is NotReady ({live.ReadyMessage})";
        if (kubelet is not null && !(ReleaseVersion.TryParse(live.KubeletVersion, out var running) && running == kubelet))
            return $"the kubelet on {live.Name} reports {(live.KubeletVersion.Length > 0 ? live.KubeletVersion : "no version")}, not {kubelet}";
        return null;
    }

    /// <summary>Talos names the Node after the machine's hostname; an InternalIP match covers a node registered under another name.</summary>
    private static LiveNode? Find(KubernetesView view, NodeRef node) =>
        view.Nodes.FirstOrDefault(n => n.Name == node.Hostname) ?? view.Nodes.FirstOrDefault(n => n.InternalAddresses.Contains(node.Ip));

    private static bool Broken(LonghornVolume volume) => volume.Condition is VolumeCondition.Degraded or VolumeCondition.Faulted;
}
