using System.Text.Json;
using HomeOps.Operations.Tools;

namespace HomeOps.Adapters.Tools;

/// <summary>
/// talosctl, with the flags and output formats of siderolabs/talos cmd/talosctl at v1.10.5 and v1.11.5 (the versions
/// bootstrap-config.yaml's tool matrix accepts; tests/standins/README.md cites the file for each command):
/// global `--nodes/-n`, `--endpoints/-e`, `--talosconfig`; `--insecure` only on the commands that take
/// it (apply-config, get, version). Every authenticated call names the node as its own endpoint, so no
/// talosconfig context needs endpoints set. Errors are printed without an "Error:" prefix, exit 1
/// (cmd/talosctl/cmd/root.go); only exit codes and the documented texts below are relied on.
/// </summary>
public sealed class Talosctl(ToolRunner runner) : ITalosctl
{
    public string Name => "talosctl";

    // `talosctl version --client --short` prints "Client:\nTalos v1.10.5" (cmd/talosctl/cmd/talos/version.go,
    // pkg/machinery/version.Short = "<Name> <Tag>").
    public Task<string?> VersionAsync(CancellationToken cancel) =>
        runner.VersionAsync(Name, ["version", "--client", "--short"], r => ToolResults.Version(r.Stdout),
            "`Client:` then `Talos vX.Y.Z`, as talosctl v1.10 and v1.11 print it", cancel);

    /// <summary>
    /// A node in maintenance mode answers the unauthenticated maintenance API: `talosctl get machinestatus
    /// --insecure` prints the resource with spec.stage "maintenance". A configured node refuses that
    /// connection (apid requires a client certificate: tls.Mutual in internal/app/apid/pkg/provider) but
    /// answers the same read with the talosconfig. Neither answering is unreachable.
    /// </summary>
    public async Task<TalosNodeState> StateAsync(string node, string talosconfig, CancellationToken cancel)
    {
        var insecure = await runner.RunAsync(Name, ["get", "machinestatus", "--insecure", "--nodes", node, "--output", "json"], cancel);
        NotMissing(insecure);
        if (insecure.ExitCode == 0 && Stage(insecure) is "maintenance") return TalosNodeState.Maintenance;

        var secure = await runner.RunAsync(Name, [.. Authenticated(node, talosconfig), "get", "machinestatus", "--output", "json"], cancel);
        // answering neither way (or insecurely but past maintenance, e.g. installing) is not ready for anything
        return secure.ExitCode == 0 ? TalosNodeState.Configured : TalosNodeState.Unreachable;
    }

    public async Task ApplyConfigInsecureAsync(string node, string configFile, CancellationToken cancel) =>
        (await runner.RunAsync(Name, ["apply-config", "--insecure", "--nodes", node, "--file", configFile], cancel))
            .Check($"apply-config --insecure to {node}");

    /// <summary>
    /// `talosctl get services etcd -o json`: the Service resource (pkg/machinery/resources/v1alpha1/service.go)
    /// has spec.running / spec.healthy. Before bootstrap etcd waits to join (not running) or has no resource
    /// yet (NotFound): both false. Any other failure (node unreachable, wrong talosconfig) throws.
    /// </summary>
    public async Task<bool> EtcdRunningAsync(string node, string talosconfig, CancellationToken cancel)
    {
        var result = await runner.RunAsync(Name, [.. Authenticated(node, talosconfig), "get", "services", "etcd", "--output", "json"], cancel);
        if (result.ExitCode != 0 && (result.Stderr.Contains("NotFound", StringComparison.Ordinal) || result.Stderr.Contains("doesn't exist", StringComparison.Ordinal)))
            return false;
        result.Check($"etcd status on {node}");
        return Resources(result).Any(r => r.TryGetProperty("spec", out var spec) && spec.TryGetProperty("running", out var running) && running.GetBoolean());
    }

    /// <summary>Fails with "rpc error: code = AlreadyExists desc = etcd data directory is not empty" when run twice (v1alpha1_server.go).</summary>
    public async Task<bool> BootstrapAsync(string node, string talosconfig, CancellationToken cancel)
    {
        var result = await runner.RunAsync(Name, [.. Authenticated(node, talosconfig), "bootstrap"], cancel);
        // machined refuses a second bootstrap with codes.AlreadyExists "etcd data directory is not empty"
        // (siderolabs/talos v1.10.5 internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go Bootstrap);
        // talosctl prints it as "error executing bootstrap: rpc error: code = AlreadyExists desc = ..." (cmd/talosctl/cmd/talos/bootstrap.go)
        if (result.ExitCode != 0 && result.Stderr.Contains("code = AlreadyExists", StringComparison.Ordinal)) return false;
        result.Check($"etcd bootstrap on {node}");
        return true;
    }

    /// <summary>
    /// `talosctl kubeconfig PATH --force --merge=false`: --merge defaults to TRUE in talosctl (kubeconfig.go),
    /// which would merge into an existing PATH; with --merge=false the file is replaced and written 0600.
    /// </summary>
    public async Task KubeconfigAsync(string node, string talosconfig, string path, CancellationToken cancel)
    {
        (await runner.RunAsync(Name, [.. Authenticated(node, talosconfig), "kubeconfig", path, "--force", "--merge=false"], cancel))
            .Check($"kubeconfig from {node}");
        if (!OperatingSystem.IsWindows() && File.Exists(path))
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    // ---- day-2 operations ----

    /// <summary>MachineStatus spec: stage (running, booting, installing, upgrading, rebooting, maintenance, ...) and status.ready/unmetConditions.</summary>
    public async Task<TalosMachineStatus?> MachineStatusAsync(string node, string talosconfig, CancellationToken cancel)
    {
        var result = await runner.RunAsync(Name, [.. Authenticated(node, talosconfig), "get", "machinestatus", "--output", "json"], cancel);
        NotMissing(result);
        if (result.ExitCode != 0) return null;
        var spec = Resources(result).Select(r => r.TryGetProperty("spec", out var s) ? s : default).FirstOrDefault(s => s.ValueKind == JsonValueKind.Object);
        if (spec.ValueKind != JsonValueKind.Object) return null;
        var stage = spec.TryGetProperty("stage", out var st) ? st.GetString() ?? "" : "";
        var ready = false;
        var unmet = new List<string>();
        if (spec.TryGetProperty("status", out var status))
        {
            ready = status.TryGetProperty("ready", out var r) && r.ValueKind == JsonValueKind.True;
            if (status.TryGetProperty("unmetConditions", out var list) && list.ValueKind == JsonValueKind.Array)
                foreach (var c in list.EnumerateArray())
                    unmet.Add(c.ValueKind == JsonValueKind.Object
                        ? $"{(c.TryGetProperty("name", out var n) ? n.GetString() : "?")}: {(c.TryGetProperty("reason", out var why) ? why.GetString() : "")}"
                        : c.ToString());
        }
        return new TalosMachineStatus(stage, ready, unmet);
    }

    /// <summary>The Version resource (Versions.runtime.talos.dev, id "version"): spec.version is the running Talos tag.</summary>
    public async Task<string?> ServerVersionAsync(string node, string talosconfig, CancellationToken cancel)
    {
        var result = await runner.RunAsync(Name, [.. Authenticated(node, talosconfig), "get", "version", "--output", "json"], cancel);
        NotMissing(result);
        if (result.ExitCode != 0) return null;
        return Resources(result).Select(r => r.TryGetProperty("spec", out var spec) && spec.TryGetProperty("version", out var v) ? v.GetString() : null)
            .FirstOrDefault(v => v is not null);
    }

    /// <summary>
    /// `talosctl etcd members` has no JSON output: a tabwriter table "NODE ID HOSTNAME PEER URLS CLIENT URLS LEARNER"
    /// (talos@v1.10.5 and v1.11.5:cmd/talosctl/cmd/talos/etcd.go:203-261; URLs comma-joined, LEARNER a Go bool). A member
    /// that was added as a learner but has not started yet has an empty HOSTNAME and no CLIENT URLS, so the cells are cut
    /// at the header's columns (<see cref="TabwriterTable"/>), never split on whitespace. The NODE column (apid's one-to-many
    /// metadata) is present even for one --nodes value.
    /// </summary>
    public async Task<IReadOnlyList<EtcdMember>> EtcdMembersAsync(string node, string talosconfig, CancellationToken cancel)
    {
        var result = (await runner.RunAsync(Name, [.. Authenticated(node, talosconfig), "etcd", "members"], cancel)).Check($"etcd members from {node}");
        var table = await TableAsync(result, "etcd members", MemberColumns, cancel);
        return table.Rows.Select(r => new EtcdMember(r["ID"], r["HOSTNAME"], r["PEER URLS"].Split(',', StringSplitOptions.RemoveEmptyEntries),
            r["LEARNER"] == "true")).ToList();
    }

    private static readonly string[] MemberColumns = ["ID", "HOSTNAME", "PEER URLS", "CLIENT URLS", "LEARNER"];

    /// <summary>
    /// `talosctl etcd status`: a tabwriter table whose ERRORS column holds the member's alarms/errors, ", "-joined. The columns
    /// differ by version: v1.10 prints NODE MEMBER DB SIZE IN USE LEADER RAFT INDEX RAFT TERM RAFT APPLIED INDEX LEARNER ERRORS
    /// (talos@v1.10.5:cmd/talosctl/cmd/talos/etcd.go:280-281), v1.11 inserts PROTOCOL and STORAGE before ERRORS (talos@v1.11.5:
    /// same file, 280-281; a v1.11 client asking a v1.10 node leaves STORAGE empty). Columns are found by their header name.
    /// A node that does not answer makes talosctl exit 1 with "error getting status: rpc error: ..." (or "... 1 error occurred:
    /// * NODE: rpc error: ...") on stderr: not answered.
    /// </summary>
    public async Task<EtcdMemberStatus> EtcdStatusAsync(string node, string talosconfig, CancellationToken cancel)
    {
        var result = await runner.RunAsync(Name, [.. Authenticated(node, talosconfig), "etcd", "status"], cancel);
        NotMissing(result);
        if (result.ExitCode != 0) return new EtcdMemberStatus(node, false, null, [], result.Tail(2));
        var table = await TableAsync(result, "etcd status", StatusColumns, cancel);
        var row = table.Rows.FirstOrDefault(r => r.GetValueOrDefault("NODE") == node) ?? table.Rows[0];
        var errors = row["ERRORS"].Split(", ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new EtcdMemberStatus(node, true, row["MEMBER"], errors, null);
    }

    private static readonly string[] StatusColumns = ["MEMBER", "LEARNER", "ERRORS"];

    /// <summary>
    /// The table <paramref name="result"/> printed, with every column in <paramref name="required"/> and at least one row;
    /// otherwise a failure naming talosctl's version and what was expected (nothing is decided on a table not understood).
    /// </summary>
    private async Task<TabwriterTable> TableAsync(ToolResult result, string command, IReadOnlyList<string> required, CancellationToken cancel)
    {
        string? problem;
        TabwriterTable? table = null;
        try
        {
            table = TabwriterTable.Parse(result.Stdout);
            problem = table is null ? "printed nothing"
                : table.Missing(required) is { Count: > 0 } missing ? $"printed a table without the column(s) {string.Join(", ", missing)} (header: {table.Header})"
                : table.Rows.Count == 0 ? $"printed a header and no row (header: {table.Header})"
                : null;
        }
        catch (FormatException e) { problem = $"printed a table homeops cannot read: {e.Message}"; }
        if (problem is null) return table!;
        throw new ToolFailedException(result, $"{await DescribeAsync(cancel)} `{command}` {problem}; expected the tabwriter table of talosctl v1.10 or v1.11 " +
            $"with the columns {string.Join(", ", required)} and one row per member (see bootstrap-config.yaml tools for the supported versions)");
    }

    /// <summary>"talosctl v1.10.5" (or "talosctl (version unknown)") for messages about what it printed.</summary>
    private async Task<string> DescribeAsync(CancellationToken cancel)
    {
        try { return $"{Name} {await VersionAsync(cancel) ?? "(not on PATH)"}"; }
        catch (ToolFailedException) { return $"{Name} (version unknown)"; }
    }

    /// <summary>
    /// `talosctl etcd snapshot PATH`: streams to PATH.part (created 0600), checks the sha256 trailer, renames, then prints
    /// `etcd snapshot saved to "PATH" (N bytes)` and the snapshot's hash/revision line.
    /// </summary>
    public async Task<string> EtcdSnapshotAsync(string node, string talosconfig, string path, CancellationToken cancel)
    {
        var result = (await runner.RunAsync(Name, [.. Authenticated(node, talosconfig), "etcd", "snapshot", path], cancel)).Check($"etcd snapshot from {node}");
        if (!OperatingSystem.IsWindows() && File.Exists(path))
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return result.Stdout.Trim();
    }

    /// <summary>
    /// reset.go: --graceful (default true: cordon/drain, leave etcd), --reboot (default false: would power off),
    /// --system-labels-to-wipe (repeatable; only those partitions, everything else kept). Never --wipe-mode or
    /// --user-disks-to-wipe: the default wipe mode "all" only applies when no labels are given, and user disks
    /// (the Longhorn SSD) are left alone. --wait (default true) tracks the reset until the node is back.
    /// </summary>
    public Task<ToolResult> ResetAsync(string node, string talosconfig, TalosReset reset, CancellationToken cancel)
    {
        if (reset.SystemLabels.Count == 0)
            throw new ArgumentException("a reset without system labels would wipe the whole system disk; refusing to build it", nameof(reset));
        return runner.RunAsync(Name, [.. Authenticated(node, talosconfig), .. ResetArguments(reset)], cancel);
    }

    public string ResetCommand(string node, TalosReset reset) => ToolRunner.Format(Name, ["--nodes", node, .. ResetArguments(reset)]);

    public string UpgradeCommand(string node, string image) => ToolRunner.Format(Name, ["--nodes", node, .. UpgradeArguments(image)]);

    public string UpgradeKubernetesCommand(string node, string version, bool dryRun) =>
        ToolRunner.Format(Name, ["--nodes", node, .. UpgradeKubernetesArguments(version, dryRun)]);

    private static IReadOnlyList<string> ResetArguments(TalosReset reset) =>
        ["reset", $"--graceful={(reset.Graceful ? "true" : "false")}", "--reboot", .. reset.SystemLabels.SelectMany(l => new[] { "--system-labels-to-wipe", l })];

    /// <summary>
    /// upgrade.go (talos@v1.10.5 = v1.11.5): --image is the installer. --preserve is a hidden flag that changes nothing on a
    /// v1.8+ node (the upgrade sequence never wipes EPHEMERAL since v1.8; the installer ignores force on upgrade:
    /// cmd/installer/pkg/install/install.go:218-220); it is passed because it is accepted by every supported talosctl and keeps
    /// the data of an older node. talosctl waits (--wait, default true) and, writing to a pipe, reports each update as
    /// `"NODE": message` on stderr with stdout empty (action/tracker.go:292-293); only the exit code and that tail are used.
    /// </summary>
    public Task<ToolResult> UpgradeAsync(string node, string talosconfig, string image, CancellationToken cancel) =>
        runner.RunAsync(Name, [.. Authenticated(node, talosconfig), .. UpgradeArguments(image)], cancel);

    private static IReadOnlyList<string> UpgradeArguments(string image) => ["upgrade", "--image", image, "--preserve"];

    /// <summary>bootstrap.go: --recover-from reads the snapshot client-side and streams it to the node (disaster recovery).</summary>
    public Task<ToolResult> RecoverEtcdAsync(string node, string talosconfig, string snapshot, bool skipHashCheck, CancellationToken cancel) =>
        runner.RunAsync(Name, [.. Authenticated(node, talosconfig), .. RecoverArguments(snapshot, skipHashCheck)], cancel);

    public static IReadOnlyList<string> RecoverArguments(string snapshot, bool skipHashCheck) =>
        ["bootstrap", "--recover-from", snapshot, .. skipHashCheck ? new[] { "--recover-skip-hash-check" } : []];


    /// <summary>copy.go: `cp SRC DEST` extracts SRC into the directory DEST under its own name (db).</summary>
    public async Task<string> CopyEtcdDatabaseAsync(string node, string talosconfig, string directory, CancellationToken cancel)
    {
        Directory.CreateDirectory(directory);
        (await runner.RunAsync(Name, [.. Authenticated(node, talosconfig), "cp", ITalosctl.EtcdDatabase, directory], cancel)).Check($"copy of etcd's database from {node}");
        var copied = Path.Combine(directory, "db");
        if (!OperatingSystem.IsWindows() && File.Exists(copied)) File.SetUnixFileMode(copied, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return copied;
    }

    /// <summary>
    /// upgrade-k8s.go (flags as in website/content/v1.10/reference/cli.md): patches each control-plane node's
    /// kube-apiserver, controller-manager and scheduler, then kube-proxy, then every node's kubelet (waiting for each
    /// Node to report it), then re-applies the bootstrap manifests. --from is left out on purpose: talosctl detects the
    /// lowest version running, so a rerun after a half-done upgrade resumes. --upgrade-kubelet and --pre-pull-images keep
    /// their defaults (true). --dry-run prints the plan and changes nothing.
    /// </summary>
    public Task<ToolResult> UpgradeKubernetesAsync(string node, string talosconfig, string version, bool dryRun, CancellationToken cancel) =>
        runner.RunAsync(Name, [.. Authenticated(node, talosconfig), .. UpgradeKubernetesArguments(version, dryRun)], cancel);

    public static IReadOnlyList<string> UpgradeKubernetesArguments(string version, bool dryRun) =>
        dryRun ? ["upgrade-k8s", "--to", version, "--dry-run"] : ["upgrade-k8s", "--to", version];

    // ---- block devices and mounts (diagnose usb-ssd) ----

    /// <summary>
    /// Disks.block.talos.dev (pkg/machinery/resources/block/disk.go): the spec's YAML names are snake_case
    /// (dev_path, pretty_size, transport, model, serial); size is bytes.
    /// </summary>
    public async Task<IReadOnlyList<TalosDisk>> DisksAsync(string node, string talosconfig, CancellationToken cancel)
    {
        var result = (await runner.RunAsync(Name, [.. Authenticated(node, talosconfig), "get", "disks", "--output", "json"], cancel)).Check($"disks of {node}");
        return (await TypedAsync(result, "get disks", "Disks.block.talos.dev", cancel)).Select(r => new TalosDisk(r.Text("metadata", "id"), r.Text("spec", "dev_path"), r.Text("spec", "model"),
            r.Text("spec", "serial"), r.Text("spec", "transport"), r.Number("spec", "size"), r.Text("spec", "pretty_size"))).ToList();
    }

    /// <summary>
    /// VolumeStatuses.block.talos.dev (volume_status.go): camelCase names; phase and filesystem print as text ("ready", "xfs");
    /// location is the partition, parentLocation the disk it is on. A volume the node does not know is NotFound: null.
    /// </summary>
    public async Task<TalosVolumeStatus?> VolumeStatusAsync(string node, string talosconfig, string id, CancellationToken cancel)
    {
        var result = await runner.RunAsync(Name, [.. Authenticated(node, talosconfig), "get", "volumestatus", id, "--output", "json"], cancel);
        if (result.ExitCode != 0 && result.Stderr.Contains("NotFound", StringComparison.Ordinal)) return null;
        result.Check($"volume {id} on {node}");
        return (await TypedAsync(result, $"get volumestatus {id}", "VolumeStatuses.block.talos.dev", cancel)).Select(r => new TalosVolumeStatus(r.Text("metadata", "id"), r.Text("spec", "phase"), r.Text("spec", "location"),
            r.Text("spec", "parentLocation"), r.Number("spec", "size"), r.Text("spec", "prettySize"), r.Text("spec", "filesystem"),
            r.Text("spec", "errorMessage"))).FirstOrDefault();
    }

    /// <summary>
    /// `get mountstatus` resolves to MountStatuses.block.talos.dev (its automatic aliases; the runtime MountStatuses answer only
    /// to "mounts", talos@v1.10.5:pkg/machinery/resources/runtime/mount_status.go:48-51): spec source, target, filesystem (text),
    /// and spec.spec.volumeID, the volume it mounts (talos@v1.10.5 = v1.11.5:pkg/machinery/resources/block/mount_status.go:22-31).
    /// </summary>
    public async Task<IReadOnlyList<TalosMount>> MountsAsync(string node, string talosconfig, CancellationToken cancel)
    {
        var result = (await runner.RunAsync(Name, [.. Authenticated(node, talosconfig), "get", "mountstatus", "--output", "json"], cancel)).Check($"mounts of {node}");
        var mounts = await TypedAsync(result, "get mountstatus", "MountStatuses.block.talos.dev", cancel);
        return mounts.Select(r => new TalosMount(r.Text("spec", "source"), r.Text("spec", "target"), r.Text("spec", "filesystem"), r.Text("spec", "spec", "volumeID"))).ToList();
    }

    /// <summary>The resources of <paramref name="result"/>, each of <paramref name="type"/>; otherwise a failure naming talosctl's version and the type expected.</summary>
    private async Task<List<JsonElement>> TypedAsync(ToolResult result, string command, string type, CancellationToken cancel)
    {
        var resources = Resources(result);
        if (resources.Select(r => r.Text("metadata", "type")).FirstOrDefault(t => t != type) is not { } other) return resources;
        throw new ToolFailedException(result, $"{await DescribeAsync(cancel)} `{command}` returned {(other.Length == 0 ? "a resource without metadata.type" : other)}; " +
            $"expected {type} (what talosctl v1.10 and v1.11 resolve that name to)");
    }

    private static string[] Authenticated(string node, string talosconfig) =>
        ["--talosconfig", talosconfig, "--nodes", node, "--endpoints", node];

    private static void NotMissing(ToolResult result)
    {
        if (ToolRunner.IsNotFound(result)) result.Check();
    }

    private static string? Stage(ToolResult result) =>
        Resources(result).Select(r => r.TryGetProperty("spec", out var spec) && spec.TryGetProperty("stage", out var stage) ? stage.GetString() : null)
            .FirstOrDefault(s => s is not null);

    /// <summary>`talosctl get -o json` writes one indented JSON object per resource, one after another (output/json.go).</summary>
    internal static List<JsonElement> Resources(ToolResult result)
    {
        var list = new List<JsonElement>();
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(result.Stdout), new JsonReaderOptions { AllowMultipleValues = true });
        try
        {
            // TryParseValue parses from the current token: after the first object that is its EndObject, so step onto the next start
            while (reader.Read())
                if (JsonDocument.TryParseValue(ref reader, out var doc)) list.Add(doc.RootElement.Clone());
        }
        catch (JsonException e)
        {
            throw new ToolFailedException(result, $"`{result.CommandLine}` printed output that is not talosctl's JSON: {e.Message}");
        }
        return list;
    }
}
