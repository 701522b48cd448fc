using HomeOps.Compile.Talos;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Maintenance;

/// <summary>A node as talconfig.yaml names it.</summary>
public sealed record NodeRef(string Hostname, string Ip, bool ControlPlane)
{
    /// <summary>Every node of talconfig.yaml, in its order.</summary>
    public static IReadOnlyList<NodeRef> AllOf(TalosPlan plan) => plan.Nodes.Select(n => new NodeRef(n.Hostname, n.Node.IpAddress, n.ControlPlane)).ToList();

    public override string ToString() => $"{Hostname} ({Ip})";
}

/// <summary>What the Talos API said about one node: answers, Talos-ready, etcd member and healthy, and its `etcd status` answer (null: not asked).</summary>
public sealed record NodeHealth(NodeRef Node, bool Answers, bool Ready, bool EtcdMember, bool EtcdHealthy, string? Problem, EtcdMemberStatus? Etcd = null)
{
    /// <summary>Counts toward quorum: answers, ready, and (for a member) its etcd answers without errors.</summary>
    public bool Healthy => Answers && Ready && (!EtcdMember || EtcdHealthy);
}
