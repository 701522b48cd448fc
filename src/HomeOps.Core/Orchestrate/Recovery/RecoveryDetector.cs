using HomeOps.Core.Compile.Talos;
using HomeOps.Core.Edge.Tools;
using HomeOps.Core.Orchestrate.Operations;
using HomeOps.Core.Orchestrate.Status;

namespace HomeOps.Core.Orchestrate.Recovery;

/// <summary>
/// Reads what `recover` decides on: the status observation, then how each node that did not answer the talosconfig
/// answers insecurely (maintenance mode or nothing), the newest snapshot in .homeops/etcd/, and which rendered configs exist.
/// </summary>
public sealed class RecoveryDetector(StatusCollector status, ITalosctl talos, ClusterOperations cluster, TalosPlan plan, string repositoryRoot, string kubeconfig)
{
    public static string SnapshotDirectory(string repositoryRoot) => Path.Combine(repositoryRoot, ".homeops", "etcd");

    public async Task<(ClusterObservation Seen, RecoveryFacts Facts)> DetectAsync(CancellationToken cancel)
    {
        var seen = await status.CollectAsync(cancel);
        var silent = new Dictionary<string, TalosNodeState>();
        if (seen.Talos.Value is { } answered)
            foreach (var node in answered.Nodes.Where(n => !n.Answers))
                silent[node.Node.Ip] = await talos.StateAsync(node.Node.Ip, cluster.Talosconfig, cancel);
        var snapshots = Directory.Exists(SnapshotDirectory(repositoryRoot))
            ? new DirectoryInfo(SnapshotDirectory(repositoryRoot)).GetFiles("*.db").OrderByDescending(f => f.LastWriteTimeUtc).ThenByDescending(f => f.Name).ToList()
            : [];
        var configs = plan.Nodes
            .Select(n => (n.Hostname, Path: Path.Combine(repositoryRoot, plan.MachineConfigPath(n.Hostname))))
            .Where(c => File.Exists(c.Path)).ToDictionary(c => c.Hostname, c => c.Path);
        var own = Path.GetFullPath(Path.Combine(repositoryRoot, ".homeops", "kubeconfig"));
        var latest = snapshots.FirstOrDefault() is { } newest ? new SavedSnapshot(newest.FullName, new DateTimeOffset(newest.LastWriteTimeUtc, TimeSpan.Zero)) : null;
        return (seen, new RecoveryFacts(silent, latest, configs, kubeconfig, File.Exists(kubeconfig),
            Path.GetFullPath(kubeconfig) == own));
    }
}
