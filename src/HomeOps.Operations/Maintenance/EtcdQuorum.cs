namespace HomeOps.Operations.Maintenance;

/// <summary>Kept, lost, or not judgeable from what answered.</summary>
public enum QuorumState { Kept, Lost, Unknown }

/// <summary>
/// etcd's quorum as read: voters (the member list, else the control planes), how many are healthy by etcd's own
/// `etcd status` (not Talos' readiness: a crashlooping kubelet makes a node not-ready without touching etcd), how many
/// are needed, and whether a loss is positively evidenced (the member list answered, or a majority of control planes
/// answered `etcd status` with errors) rather than merely unreadable.
/// </summary>
public sealed record QuorumReading(QuorumState State, int Voters, int Healthy, int Needed, bool Evidenced);

/// <summary>Whether an operation may take a node out of etcd, and why (or why not).</summary>
public sealed record QuorumVerdict(bool Allowed, string Reason);

/// <summary>etcd quorum arithmetic, pure: a cluster of N voting members needs floor(N/2)+1 of them healthy.</summary>
public static class EtcdQuorum
{
    public static int Needed(int members) => members / 2 + 1;

    public static QuorumReading Read(IReadOnlyList<NodeHealth> nodes, int members)
    {
        if (members > 0)
        {
            var healthy = nodes.Count(n => n.EtcdMember && n.EtcdHealthy);
            return new QuorumReading(healthy >= Needed(members) ? QuorumState.Kept : QuorumState.Lost, members, healthy, Needed(members), true);
        }
        // no member list: etcd answers nowhere, or without a leader; judge by each control plane's own etcd status
        var controlPlanes = nodes.Where(n => n.Node.ControlPlane).ToList();
        var voters = controlPlanes.Count;
        var healthyByStatus = controlPlanes.Count(n => n.Etcd is { Healthy: true });
        var erroring = controlPlanes.Count(n => n.Etcd is { Answered: true, Errors.Count: > 0 });
        var state = erroring >= Needed(voters) ? QuorumState.Lost : QuorumState.Unknown;
        return new QuorumReading(state, voters, healthyByStatus, Needed(voters), state == QuorumState.Lost);
    }

    /// <summary>How many members may be down at once without losing quorum.</summary>
    public static int Tolerated(int members) => members - Needed(members);

    /// <summary>
    /// May <paramref name="target"/> go down (reset, upgrade reboot) now? Counted against the current member list,
    /// as if the node stayed a member while down (a graceful leave that fails half-way leaves exactly that):
    /// the healthy members other than the target must still be a quorum. A target that is not healthy anyway
    /// changes nothing. No member list at all (no member answered) is refused: quorum cannot be judged.
    /// </summary>
    public static QuorumVerdict CanTakeDown(IReadOnlyList<NodeHealth> nodes, int members, NodeRef target, string action)
    {
        if (members == 0)
            return new QuorumVerdict(false, $"no etcd member answered, so I can't tell whether {action} {target.Hostname} would lose quorum" +
                Unhealthy(nodes, target));
        var healthyMembers = nodes.Count(n => n.EtcdMember && n.Healthy);
        var targetCounts = nodes.Any(n => n.Node.Ip == target.Ip && n.EtcdMember && n.Healthy);
        var after = healthyMembers - (targetCounts ? 1 : 0);
        var needed = Needed(members);
        if (after >= needed)
            return new QuorumVerdict(true, $"etcd keeps quorum: {after} of {members} members healthy while {target.Hostname} is down (needs {needed})");
        return new QuorumVerdict(false,
            $"{action} {target.Hostname} would lose etcd quorum: {members} members need {needed} healthy, and with {target.Hostname} down only {after} would be" +
            Unhealthy(nodes, target));
    }

    private static string Unhealthy(IReadOnlyList<NodeHealth> nodes, NodeRef target)
    {
        var down = nodes.Where(n => !n.Healthy && n.Node.Ip != target.Ip).ToList();
        return down.Count == 0 ? "" : "; not healthy now: " + string.Join("; ", down.Select(n => $"{n.Node} {n.Problem}"));
    }
}
