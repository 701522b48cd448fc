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
