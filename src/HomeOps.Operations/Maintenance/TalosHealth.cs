using HomeOps.Compile.Talos;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Maintenance;

/// <summary>
/// Reads — only reads — what Talos says about every node of talconfig.yaml: machine status, etcd status and membership,
/// running version. status and recover use it directly; the mutating operations through <see cref="ClusterOperations"/>.
/// </summary>
public sealed class TalosHealth(ITalosctl talos, IReadOnlyList<NodeRef> nodes, string talosconfig)
{
    public IReadOnlyList<NodeRef> Nodes => nodes;

    public string Talosconfig => talosconfig;

    /// <summary>A reader for every node of <paramref name="plan"/>, through the talosconfig `homeops talos genconfig` wrote.</summary>
    public static TalosHealth For(ITalosctl talos, TalosPlan plan, string repositoryRoot) =>
        new(talos, NodeRef.AllOf(plan), Path.Combine(repositoryRoot, plan.TalosconfigPath));

    /// <summary>Every node's Talos and etcd state, read in parallel, and the etcd member count from the first member that answers.</summary>
    public async Task<(IReadOnlyList<NodeHealth> Nodes, int Members)> ReadAsync(CancellationToken cancel)
    {
        var reads = nodes.Select(async n => (Node: n, Status: await talos.MachineStatusAsync(n.Ip, talosconfig, cancel),
            Etcd: n.ControlPlane ? await talos.EtcdStatusAsync(n.Ip, talosconfig, cancel) : null)).ToList();
        var answers = await Task.WhenAll(reads);
        IReadOnlyList<EtcdMember> members = [];
        foreach (var a in answers.Where(a => a.Etcd is { Answered: true }))
        {
            try { members = await talos.EtcdMembersAsync(a.Node.Ip, talosconfig, cancel); break; }
            catch (ToolFailedException) { }
        }
        var memberIps = members.Where(m => !m.Learner).SelectMany(m => m.PeerUrls.Select(HostOf).Append(m.Hostname)).ToHashSet();
        var health = answers.Select(a =>
        {
            var isMember = memberIps.Contains(a.Node.Ip) || memberIps.Contains(a.Node.Hostname);
            string? problem = a.Status is null ? "does not answer on the Talos API"
                : !a.Status.Ready ? $"is not ready (stage {a.Status.Stage}{(a.Status.UnmetConditions.Count > 0 ? "; " + string.Join("; ", a.Status.UnmetConditions) : "")})"
                : isMember && a.Etcd is { Healthy: false } e ? (e.Answered ? $"has etcd errors: {string.Join(", ", e.Errors)}" : $"etcd does not answer: {e.Problem}")
                : null;
            return new NodeHealth(a.Node, a.Status is not null, a.Status?.Ready ?? false, isMember, a.Etcd?.Healthy ?? false, problem, a.Etcd);
        }).ToList();
        return (health, members.Count(m => !m.Learner));
    }

    private static string HostOf(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.Host.Trim('[', ']') : url;

    /// <summary>`talosctl get version` of every node (null: it does not answer), in parallel.</summary>
    public async Task<IReadOnlyDictionary<string, string?>> VersionsAsync(CancellationToken cancel) =>
        (await Task.WhenAll(nodes.Select(async n => (n.Ip, Version: await talos.ServerVersionAsync(n.Ip, talosconfig, cancel)))))
            .ToDictionary(v => v.Ip, v => v.Version);
}
