namespace HomeOps.Operations.Tools;

/// <summary>How a Talos node answers on its API port.</summary>
public enum TalosNodeState { Unreachable, Maintenance, Configured }

public interface ITalosctl : IVersionedTool
{
    /// <summary>Where etcd keeps its database on a Talos node.</summary>
    const string EtcdDatabase = "/var/lib/etcd/member/snap/db";

    /// <summary>Maintenance mode (answers --insecure, no config yet), configured (answers with the talosconfig), or unreachable.</summary>
    Task<TalosNodeState> StateAsync(string node, string talosconfig, CancellationToken cancel);

    /// <summary>`talosctl apply-config --insecure --nodes NODE --file FILE`.</summary>
    Task ApplyConfigInsecureAsync(string node, string configFile, CancellationToken cancel);

    /// <summary>True when etcd runs on the node (the cluster is already bootstrapped).</summary>
    Task<bool> EtcdRunningAsync(string node, string talosconfig, CancellationToken cancel);

    /// <summary>
    /// `talosctl bootstrap`: once per cluster, ever. False when the node refuses because its etcd data directory is not
    /// empty: it was bootstrapped before (a run stopped after the call, before etcd was seen running).
    /// </summary>
    Task<bool> BootstrapAsync(string node, string talosconfig, CancellationToken cancel);

    /// <summary>`talosctl kubeconfig --force PATH` (the file is written 0600).</summary>
    Task KubeconfigAsync(string node, string talosconfig, string path, CancellationToken cancel);

    // Day-2 operations (reset, upgrade, etcd). Default bodies keep adapters that only bootstrap compiling.

    /// <summary>`talosctl get machinestatus` with the talosconfig; null when the node does not answer.</summary>
    Task<TalosMachineStatus?> MachineStatusAsync(string node, string talosconfig, CancellationToken cancel) =>
        throw new NotSupportedException($"{GetType().Name}: machine status");

    /// <summary>`talosctl get version`: the Talos version the node runs; null when the node does not answer.</summary>
    Task<string?> ServerVersionAsync(string node, string talosconfig, CancellationToken cancel) =>
        throw new NotSupportedException($"{GetType().Name}: server version");

    /// <summary>`talosctl etcd members` asked of one node (its view of the member list). Throws when the node does not answer.</summary>
    Task<IReadOnlyList<EtcdMember>> EtcdMembersAsync(string node, string talosconfig, CancellationToken cancel) =>
        throw new NotSupportedException($"{GetType().Name}: etcd members");

    /// <summary>`talosctl etcd status` of the member on one node.</summary>
    Task<EtcdMemberStatus> EtcdStatusAsync(string node, string talosconfig, CancellationToken cancel) =>
        throw new NotSupportedException($"{GetType().Name}: etcd status");

    /// <summary>`talosctl etcd snapshot PATH` from one node; the file ends up 0600. Returns talosctl's report line.</summary>
    Task<string> EtcdSnapshotAsync(string node, string talosconfig, string path, CancellationToken cancel) =>
        throw new NotSupportedException($"{GetType().Name}: etcd snapshot");

    // The command lines the mutating calls run, as plans show them before anything runs.

    string ResetCommand(string node, TalosReset reset) => throw new NotSupportedException($"{GetType().Name}: reset");

    string UpgradeCommand(string node, string image) => throw new NotSupportedException($"{GetType().Name}: upgrade");

    string UpgradeKubernetesCommand(string node, string version, bool dryRun) => throw new NotSupportedException($"{GetType().Name}: upgrade-k8s");

    /// <summary>`talosctl reset --graceful=G --reboot --system-labels-to-wipe L...`: never user disks, never the whole disk.</summary>
    Task<ToolResult> ResetAsync(string node, string talosconfig, TalosReset reset, CancellationToken cancel) =>
        throw new NotSupportedException($"{GetType().Name}: reset");

    /// <summary>`talosctl upgrade --image IMAGE --preserve` on one node; the result (exit code included) is returned, not thrown.</summary>
    Task<ToolResult> UpgradeAsync(string node, string talosconfig, string image, CancellationToken cancel) =>
        throw new NotSupportedException($"{GetType().Name}: upgrade");

    /// <summary>
    /// `talosctl bootstrap --recover-from SNAPSHOT` (plus --recover-skip-hash-check for a db file copied off a disk rather
    /// than taken with `etcd snapshot`): a fresh etcd from the snapshot, on a node whose etcd data was wiped. Returned, not thrown.
    /// </summary>
    Task<ToolResult> RecoverEtcdAsync(string node, string talosconfig, string snapshot, bool skipHashCheck, CancellationToken cancel) =>
        throw new NotSupportedException($"{GetType().Name}: etcd recovery");

    /// <summary>
    /// `talosctl cp /var/lib/etcd/member/snap/db DIRECTORY`: etcd's database file as it is on the node's disk (no integrity
    /// hash: recovering from it needs --recover-skip-hash-check). Returns the local file; throws when the node or file is gone.
    /// </summary>
    Task<string> CopyEtcdDatabaseAsync(string node, string talosconfig, string directory, CancellationToken cancel) =>
        throw new NotSupportedException($"{GetType().Name}: etcd database copy");

    /// <summary>
    /// `talosctl upgrade-k8s --to VERSION [--dry-run]` sent to one control-plane node (it walks every node itself);
    /// <paramref name="version"/> without the leading v. The result (exit code included) is returned, not thrown.
    /// </summary>
    Task<ToolResult> UpgradeKubernetesAsync(string node, string talosconfig, string version, bool dryRun, CancellationToken cancel) =>
        throw new NotSupportedException($"{GetType().Name}: upgrade-k8s");

    // Block devices and mounts (diagnose usb-ssd). Reads only; each throws ToolFailedException when the node does not answer.

    /// <summary>`talosctl get disks`: every disk the node sees (block.talos.dev Disks).</summary>
    Task<IReadOnlyList<TalosDisk>> DisksAsync(string node, string talosconfig, CancellationToken cancel) =>
        throw new NotSupportedException($"{GetType().Name}: disks");

    /// <summary>`talosctl get volumestatus ID` (a user volume's ID is "u-" + its name); null when the node has no such volume.</summary>
    Task<TalosVolumeStatus?> VolumeStatusAsync(string node, string talosconfig, string id, CancellationToken cancel) =>
        throw new NotSupportedException($"{GetType().Name}: volume status");

    /// <summary>`talosctl get mountstatus`: what the node has mounted where (block MountStatuses: one per mounted volume).</summary>
    Task<IReadOnlyList<TalosMount>> MountsAsync(string node, string talosconfig, CancellationToken cancel) =>
        throw new NotSupportedException($"{GetType().Name}: mounts");
}

/// <summary>MachineStatus (runtime): spec.stage ("running", "booting", "maintenance", ...) and spec.status.ready with its unmet conditions.</summary>
public sealed record TalosMachineStatus(string Stage, bool Ready, IReadOnlyList<string> UnmetConditions);

/// <summary>One row of `talosctl etcd members`.</summary>
public sealed record EtcdMember(string Id, string Hostname, IReadOnlyList<string> PeerUrls, bool Learner);

/// <summary>`talosctl etcd status` for one node: answered (with the member's errors, if any) or not.</summary>
public sealed record EtcdMemberStatus(string Node, bool Answered, string? MemberId, IReadOnlyList<string> Errors, string? Problem)
{
    public bool Healthy => Answered && Errors.Count == 0;
}

/// <summary>What a safe reset wipes: system partitions by label only (STATE, EPHEMERAL), and whether etcd is left gracefully.</summary>
public sealed record TalosReset(IReadOnlyList<string> SystemLabels, bool Graceful)
{
    public static readonly IReadOnlyList<string> SafeLabels = ["STATE", "EPHEMERAL"];
}

/// <summary>A Disks resource: the kernel's device path, what the drive reports (model, transport: usb, nvme, sata...) and its size in bytes.</summary>
public sealed record TalosDisk(string Id, string DevPath, string Model, string Serial, string Transport, long Size, string PrettySize);

/// <summary>A VolumeStatus: phase (waiting, missing, located, provisioned, prepared, ready, failed, closed), the partition and the disk it lives on.</summary>
public sealed record TalosVolumeStatus(string Id, string Phase, string Location, string ParentLocation, long Size, string PrettySize,
    string Filesystem, string ErrorMessage)
{
    public bool Ready => Phase == "ready";
}

/// <summary>A block MountStatus: what (source) is mounted where (target), with which filesystem ("xfs"), for which volume ("u-longhorn").</summary>
public sealed record TalosMount(string Source, string Target, string Filesystem, string VolumeId = "");
