using HomeOps.Compile.Talos;
using HomeOps.Model;
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

/// <summary>Validation of an upgrade target, pure.</summary>
public static class UpgradeTarget
{
    /// <summary>Null when <paramref name="text"/> is a Talos version to upgrade <paramref name="current"/> to; otherwise why not.</summary>
    public static string? Problem(string text, ReleaseVersion current, out ReleaseVersion target)
    {
        if (!ReleaseVersion.TryParse(text, out target) || !text.StartsWith('v'))
            return $"'{text}' is not a Talos release version (expected vMAJOR.MINOR.PATCH, e.g. {current with { Patch = current.Patch + 1 }})";
        return StepProblem("Talos", target, current);
    }

    /// <summary>
    /// Null when <paramref name="text"/> (v1.MINOR.PATCH or 1.MINOR.PATCH) is a Kubernetes version to upgrade
    /// <paramref name="current"/> to on a cluster running Talos <paramref name="talos"/>; otherwise why not.
    /// </summary>
    public static string? KubernetesProblem(string text, ReleaseVersion current, ReleaseVersion talos, out ReleaseVersion target)
    {
        if (!ReleaseVersion.TryParse(text, out target) || target.Major != 1)
            return $"'{text}' is not a Kubernetes release version (expected v1.MINOR.PATCH or 1.MINOR.PATCH, e.g. {current with { Patch = current.Patch + 1 }})";
        if (StepProblem("Kubernetes", target, current) is { } step) return step;
        if (!TalosKubernetesSupport.Lines.TryGetValue(talos.Line, out var supported))
            return $"I don't know which Kubernetes versions Talos {talos.Line} supports (known: {string.Join(", ", TalosKubernetesSupport.Lines.Keys)}); " +
                $"check https://www.talos.dev/{talos.Line}/introduction/support-matrix/";
        if (target.Minor < supported.Lowest || target.Minor > supported.Highest)
            return $"{target} is outside what Talos {talos.Line} supports (Kubernetes v1.{supported.Lowest} to v1.{supported.Highest}); " +
                $"upgrade Talos first (`homeops upgrade talos`)";
        return null;
    }

    /// <summary>Both Talos and Kubernetes go forward only, one minor release at a time.</summary>
    private static string? StepProblem(string product, ReleaseVersion target, ReleaseVersion current)
    {
        if (target < current)
            return $"{target} is older than the cluster's {current}: {product} does not support downgrades this way";
        if (target.Major != current.Major || target.Minor > current.Minor + 1)
            return $"{target} skips a release line: {product} upgrades go one minor at a time ({current.Line} → v{current.Major}.{current.Minor + 1}.x first)";
        return null;
    }
}

/// <summary>
/// The Kubernetes minors (1.x) each Talos release line supports, from Talos' support matrix: siderolabs/talos
/// website/content/v1.10/introduction/support-matrix.md (1.10: 1.28–1.33; 1.9: 1.27–1.32) and
/// website/content/v1.12/introduction/support-matrix.md (1.11: 1.29–1.34), as on talos.dev/v1.X/introduction/support-matrix.
/// </summary>
public static class TalosKubernetesSupport
{
    public static IReadOnlyDictionary<string, (int Lowest, int Highest)> Lines { get; } = new Dictionary<string, (int, int)>
    {
        ["v1.9"] = (27, 32),
        ["v1.10"] = (28, 33),
        ["v1.11"] = (29, 34),
    };
}
