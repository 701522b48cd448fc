using System.Text.Json.Nodes;
using HomeOps.Adapters.Tools;
using HomeOps.Operations.Tools;

using HomeOps.Tests.Support;

namespace HomeOps.Tests.Operations;

/// <summary>The day-2 talosctl calls against the stand-in: real flags in, real output formats (tables, JSON) read back.</summary>
[Trait(Category.Name, Category.EndToEnd)]
public sealed class TalosctlDay2AdapterTests
{
    [Fact]
    public async Task Reads_members_status_machine_status_and_version()
    {
        using var h = new OperationsHarness();
        h.Talos("notReady", new System.Text.Json.Nodes.JsonArray("172.29.51.13"));
        h.Talos("etcdErrors", new System.Text.Json.Nodes.JsonObject { ["172.29.51.12"] = "NOSPACE" });
        var talosctl = new Talosctl(h.StandIns.Runner);
        var config = Path.Combine(h.Root, "talos", "clusterconfig", "talosconfig");

        var members = await talosctl.EtcdMembersAsync("172.29.51.11", config, CancellationToken.None);
        Assert.Equal(["mini01", "mini02", "mini03"], members.Select(m => m.Hostname));
        Assert.Equal("https://172.29.51.12:2380", members[1].PeerUrls.Single());
        Assert.All(members, m => Assert.False(m.Learner));

        Assert.True((await talosctl.EtcdStatusAsync("172.29.51.11", config, CancellationToken.None)).Healthy);
        var sick = await talosctl.EtcdStatusAsync("172.29.51.12", config, CancellationToken.None);
        Assert.True(sick.Answered);
        Assert.Equal(["NOSPACE"], sick.Errors);

        var notReady = await talosctl.MachineStatusAsync("172.29.51.13", config, CancellationToken.None);
        Assert.NotNull(notReady);
        Assert.False(notReady.Ready);
        Assert.Equal("running", notReady.Stage);
        Assert.Contains(notReady.UnmetConditions, c => c.StartsWith("nodeReady", StringComparison.Ordinal));
        Assert.Equal("v1.10.5", await talosctl.ServerVersionAsync("172.29.51.11", config, CancellationToken.None));
    }

    /// <summary>Issue #13 item 1: v1.10 prints 10 columns, v1.11 12 (PROTOCOL, STORAGE before ERRORS); an alarm is read from either.</summary>
    [Theory]
    [InlineData("v1.10.5", "v1.10.5")]
    [InlineData("v1.11.5", "v1.11.5")]
    [InlineData("v1.11.5", "v1.10.5")] // a v1.11 client asking v1.10 nodes: the STORAGE cell is empty
    public async Task An_etcd_alarm_is_read_from_the_status_table_of_each_supported_talosctl(string client, string server)
    {
        using var h = new OperationsHarness();
        var knobs = h.StandIns.Knobs;
        knobs["versions"] = new JsonObject { ["talosctl"] = client };
        h.StandIns.Knobs = knobs;
        h.Talos("serverVersion", server);
        h.Talos("etcdErrors", new JsonObject { ["172.29.51.12"] = "memberID:4183392139390111584 alarm:NOSPACE" });
        var talosctl = new Talosctl(h.StandIns.Runner);
        var config = Path.Combine(h.Root, "talos", "clusterconfig", "talosconfig");

        var sick = await talosctl.EtcdStatusAsync("172.29.51.12", config, CancellationToken.None);
        Assert.True(sick.Answered);
        Assert.False(sick.Healthy);
        Assert.Equal(["memberID:4183392139390111584 alarm:NOSPACE"], sick.Errors);
        Assert.Matches("^[0-9a-f]{16}$", sick.MemberId);
        var healthy = await talosctl.EtcdStatusAsync("172.29.51.11", config, CancellationToken.None);
        Assert.True(healthy.Healthy, string.Join(", ", healthy.Errors));
    }

    /// <summary>Issue #13 item 5: a member added as a learner that has not started has no name and no client URLs.</summary>
    [Fact]
    public async Task A_joining_learner_with_empty_cells_is_read_as_a_learner()
    {
        using var h = new OperationsHarness();
        h.Talos("learners", new JsonObject { ["172.29.51.14"] = "unstarted", ["172.29.51.15"] = "started" });
        var talosctl = new Talosctl(h.StandIns.Runner);
        var config = Path.Combine(h.Root, "talos", "clusterconfig", "talosconfig");

        var members = await talosctl.EtcdMembersAsync("172.29.51.11", config, CancellationToken.None);
        Assert.Equal(5, members.Count);
        var unstarted = members.Single(m => m.PeerUrls.Contains("https://172.29.51.14:2380"));
        Assert.True(unstarted.Learner);
        Assert.Equal("", unstarted.Hostname);
        Assert.True(members.Single(m => m.PeerUrls.Contains("https://172.29.51.15:2380")).Learner);
        Assert.Equal(["mini01", "mini02", "mini03"], members.Where(m => !m.Learner).Select(m => m.Hostname));
    }

    [Theory]
    [InlineData("status", "MEMBER             DB SIZE   LEADER\n3a1f0c9b2d4e5f60   21 MB     3a1f0c9b2d4e5f60\n", "without the column(s) LEARNER, ERRORS")]
    [InlineData("status", "", "printed nothing")]
    [InlineData("members", "NODE   ID   HOSTNAME   PEER URLS   CLIENT URLS   LEARNER\n", "a header and no row")]
    [InlineData("members", "NODE  ID\n172.29.51.11 3a1f0c9b2d4e5f60 mini01\n", "does not line up")]
    public async Task An_unexpected_or_empty_etcd_table_is_a_clear_failure_naming_talosctl_and_its_version(string command, string stdout, string problem)
    {
        using var h = new OperationsHarness();
        var knobs = h.StandIns.Knobs;
        knobs["fail"] = new JsonArray(new JsonObject { ["tool"] = "talosctl", ["command"] = $"etcd {command}", ["exit"] = 0, ["stdout"] = stdout, ["stderr"] = "" });
        h.StandIns.Knobs = knobs;
        var talosctl = new Talosctl(h.StandIns.Runner);
        var config = Path.Combine(h.Root, "talos", "clusterconfig", "talosconfig");

        var e = await Assert.ThrowsAsync<ToolFailedException>(async () =>
        {
            if (command == "status") await talosctl.EtcdStatusAsync("172.29.51.11", config, CancellationToken.None);
            else await talosctl.EtcdMembersAsync("172.29.51.11", config, CancellationToken.None);
        });
        Assert.Contains($"talosctl v1.10.5 `etcd {command}` ", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.Contains("expected the tabwriter table of talosctl v1.10 or v1.11", e.Message);
    }

    [Fact]
    public async Task A_node_that_does_not_answer_is_null_or_not_answered_never_an_exception()
    {
        using var h = new OperationsHarness();
        h.Talos("unreachable", new System.Text.Json.Nodes.JsonArray("172.29.51.12"));
        var talosctl = new Talosctl(h.StandIns.Runner);
        var config = Path.Combine(h.Root, "talos", "clusterconfig", "talosconfig");
        Assert.Null(await talosctl.MachineStatusAsync("172.29.51.12", config, CancellationToken.None));
        Assert.Null(await talosctl.ServerVersionAsync("172.29.51.12", config, CancellationToken.None));
        var etcd = await talosctl.EtcdStatusAsync("172.29.51.12", config, CancellationToken.None);
        Assert.False(etcd.Answered);
        Assert.Contains("no route to host", etcd.Problem);
    }

    [Fact]
    public async Task The_reset_command_line_wipes_labels_only_and_a_reset_without_labels_is_never_built()
    {
        var talosctl = new Talosctl(new ToolRunner());
        Assert.Equal("talosctl --nodes 10.0.0.1 reset --graceful=true --reboot --system-labels-to-wipe STATE --system-labels-to-wipe EPHEMERAL",
            talosctl.ResetCommand("10.0.0.1", new TalosReset(TalosReset.SafeLabels, true)));
        await Assert.ThrowsAsync<ArgumentException>(() => talosctl.ResetAsync("10.0.0.1", "tc", new TalosReset([], true), CancellationToken.None));
        Assert.Equal("talosctl --nodes 10.0.0.1 upgrade --image factory.talos.dev/metal-installer/abc:v1.10.6 --preserve",
            talosctl.UpgradeCommand("10.0.0.1", "factory.talos.dev/metal-installer/abc:v1.10.6"));
    }

    /// <summary>Issue #13 item 8: talosctl v1.10/v1.11 upgrade has no --progress, --drain, --no-reboot, --legacy, and warns about nothing.</summary>
    [Theory]
    [InlineData("--progress", "plain")]
    [InlineData("--drain", null)]
    [InlineData("--drain-timeout", "5m")]
    [InlineData("--no-reboot", null)]
    [InlineData("--legacy", null)]
    [InlineData("--namespace", "default")]
    public async Task Upgrade_flags_that_only_talos_main_has_are_rejected_as_cobra_does(string flag, string? value)
    {
        using var h = new OperationsHarness();
        var config = Path.Combine(h.Root, "talos", "clusterconfig", "talosconfig");
        string[] arguments = ["--talosconfig", config, "--nodes", "172.29.51.11", "upgrade", "--image", "ghcr.io/siderolabs/installer:v1.10.6", flag, .. value is null ? Array.Empty<string>() : [value]];
        var result = await h.StandIns.Runner.RunAsync("talosctl", arguments, CancellationToken.None);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"unknown flag: {flag}", result.Stderr.Trim());
        Assert.Null(h.Node("172.29.51.11")["upgrades"]);
    }

    [Fact]
    public async Task Upgrade_reports_on_stderr_as_talosctl_does_into_a_pipe_and_warns_about_nothing()
    {
        using var h = new OperationsHarness();
        var talosctl = new Talosctl(h.StandIns.Runner);
        var config = Path.Combine(h.Root, "talos", "clusterconfig", "talosconfig");
        var result = await talosctl.UpgradeAsync("172.29.51.11", config, "ghcr.io/siderolabs/installer:v1.10.6", CancellationToken.None);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("", result.Stdout);
        Assert.EndsWith("\"172.29.51.11\": post check passed", result.Stderr.Trim());
        Assert.DoesNotContain("deprecated", result.Stderr);
        Assert.Equal("v1.10.6", h.Node("172.29.51.11")["version"]!.GetValue<string>());
        Assert.Empty(h.Violations);
    }

    [Fact]
    public async Task Upgrade_k8s_dry_run_changes_nothing_and_the_real_run_sets_every_kubelet()
    {
        using var h = new OperationsHarness();
        var talosctl = new Talosctl(h.StandIns.Runner);
        var config = Path.Combine(h.Root, "talos", "clusterconfig", "talosconfig");

        var dry = await talosctl.UpgradeKubernetesAsync("172.29.51.11", config, "1.32.0", true, CancellationToken.None);
        Assert.True(dry.ExitCode == 0, dry.Stderr);
        Assert.Contains("automatically detected the lowest Kubernetes version 1.31.1", dry.Stdout);
        Assert.Contains(" > skipped in dry-run", dry.Stdout);
        Assert.Null(h.Node("172.29.51.12")["kubelet"]);

        var real = await talosctl.UpgradeKubernetesAsync("172.29.51.11", config, "1.32.0", false, CancellationToken.None);
        Assert.True(real.ExitCode == 0, real.Stderr);
        Assert.EndsWith("upgrade-k8s --to 1.32.0", real.CommandLine);
        Assert.Contains(" < \"172.29.51.13\": successfully updated", real.Stdout);
        Assert.All(OperationsHarness.Nodes, n => Assert.Equal("v1.32.0", h.Node(n.Ip)["kubelet"]!.GetValue<string>()));

        // talosctl refuses a skipped minor itself, too
        var jump = await talosctl.UpgradeKubernetesAsync("172.29.51.11", config, "1.34.0", false, CancellationToken.None);
        Assert.Equal(1, jump.ExitCode);
        Assert.Contains("unsupported upgrade path 1.32->1.34", jump.Stderr);
    }
}
