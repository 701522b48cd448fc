using HomeOps.Compile.Talos;
using HomeOps.Operations.Maintenance;
using HomeOps.Operations.Status;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Recovery;

/// <summary>
/// Reads what `recover` decides on: the status observation, then how each node that did not answer the talosconfig
/// answers insecurely (maintenance mode or nothing), the newest snapshot in .homeops/etcd/, and which rendered configs exist.
/// </summary>
public sealed class RecoveryDetector(StatusCollector status, ITalosctl talos, ClusterOperations cluster, TalosPlan plan, IWorkspace workspace, string kubeconfig)
{
    public static string SnapshotDirectory(string repositoryRoot) => Path.Combine(repositoryRoot, ".homeops", "etcd");

    public async Task<(ClusterObservation Seen, RecoveryFacts Facts)> DetectAsync(CancellationToken cancel)
    {
        var seen = await status.CollectAsync(cancel);
        var silent = new Dictionary<string, TalosNodeState>();
        if (seen.Talos.Value is { } answered)
            foreach (var node in answered.Nodes.Where(n => !n.Answers))
                silent[node.Node.Ip] = await talos.StateAsync(node.Node.Ip, cluster.Talosconfig, cancel);
        // an empty file is a name claimed by a snapshot that never came (a run killed while talosctl wrote it)
        var snapshots = workspace.Files(SnapshotDirectory(workspace.Root), "*.db").Where(f => workspace.FileSize(f.Path) > 0).OrderByDescending(f => f.Modified).ThenByDescending(f => f.Path, StringComparer.Ordinal);
        var configs = plan.Nodes
            .Select(n => (n.Hostname, Path: Path.Combine(workspace.Root, plan.MachineConfigPath(n.Hostname))))
            .Where(c => workspace.FileExists(c.Path)).ToDictionary(c => c.Hostname, c => c.Path);
        var own = Path.GetFullPath(Path.Combine(workspace.Root, ".homeops", "kubeconfig"));
        var latest = snapshots.Select(s => new SavedSnapshot(s.Path, s.Modified)).FirstOrDefault();
        return (seen, new RecoveryFacts(silent, latest, configs, kubeconfig, workspace.FileExists(kubeconfig),
            Path.GetFullPath(kubeconfig) == own));
    }
}
