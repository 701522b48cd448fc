using System.Text.Json.Nodes;

using HomeOps.Tests.Support;

namespace HomeOps.Tests.Operations;

/// <summary>`homeops reset` through the real CLI against the stand-in talosctl (issue 7 acceptance).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait(Category.Name, Category.EndToEnd)]
public sealed class ResetTests
{
    [Fact]
    public void Reset_of_one_healthy_node_in_a_3_node_cluster_snapshots_first_and_wipes_exactly_STATE_and_EPHEMERAL()
    {
        using var h = new OperationsHarness();
        var result = h.Run("", "reset", "--node", "mini02", "--yes");
        Assert.True(result.ExitCode == 0, result.Output);

        var resets = h.Node("172.29.51.12")["resets"]!.AsArray();
        var reset = Assert.Single(resets)!.AsObject();
        Assert.Equal(["STATE", "EPHEMERAL"], reset["systemLabels"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.Empty(reset["userDisks"]!.AsArray());
        Assert.Null(reset["wipeMode"]);
        Assert.True(reset["graceful"]!.GetValue<bool>());
        Assert.True(reset["reboot"]!.GetValue<bool>());
        Assert.Empty(h.Violations);
        Assert.Null(h.Node("172.29.51.11")["resets"]);
        Assert.Null(h.Node("172.29.51.13")["resets"]);

        // the snapshot came first, from another node, into a 0600 file under .homeops/etcd
        var mutating = h.MutatingCalls;
        Assert.Equal(["etcd snapshot", "reset"], mutating.Select(c => c.Command));
        Assert.NotEqual("172.29.51.12", mutating[0].Node);
        var snapshot = Assert.Single(Directory.GetFiles(Path.Combine(h.Root, ".homeops", "etcd")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(snapshot));
        var argv = mutating[1].Argv;
        Assert.DoesNotContain(argv, a => a.StartsWith("--user-disks-to-wipe", StringComparison.Ordinal) || a.StartsWith("--wipe-mode", StringComparison.Ordinal));
        Assert.Contains("talosctl --nodes 172.29.51.12 reset --graceful=true --reboot --system-labels-to-wipe STATE --system-labels-to-wipe EPHEMERAL", result.Stdout);
        Assert.Contains("homeops bootstrap --only talos-config", result.Stdout);
    }

    [Fact]
    public void Reset_of_a_second_node_while_another_is_NotReady_is_refused_with_the_reason()
    {
        using var h = new OperationsHarness();
        h.Talos("notReady", new JsonArray("172.29.51.13"));
        var result = h.Run("", "reset", "--node", "mini01", "--yes");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("refusing to reset mini01 (172.29.51.11)", result.Stderr);
        Assert.Contains("would lose etcd quorum: 3 members need 2 healthy", result.Stderr);
        Assert.Contains("mini03 (172.29.51.13) is not ready", result.Stderr);
        Assert.Contains("Nothing was changed", result.Stderr);
        Assert.Empty(h.MutatingCalls);
    }

    [Fact]
    public void Reset_of_a_second_node_after_one_was_reset_is_refused()
    {
        using var h = new OperationsHarness();
        Assert.Equal(0, h.Run("", "reset", "--node", "mini02", "--yes").ExitCode);
        var second = h.Run("", "reset", "--node", "mini03", "--yes");
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("would lose etcd quorum", second.Stderr);
        Assert.Contains("mini02 (172.29.51.12) does not answer on the Talos API", second.Stderr);
        Assert.Null(h.Node("172.29.51.13")["resets"]);
        Assert.Single(h.MutatingCalls, c => c.Command == "reset");
    }

    [Fact]
    public void Reset_while_another_node_is_down_is_refused()
    {
        using var h = new OperationsHarness();
        h.Talos("unreachable", new JsonArray("172.29.51.11"));
        var result = h.Run("", "reset", "--node", "mini03", "--yes");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("mini01 (172.29.51.11) does not answer", result.Stderr);
        Assert.Empty(h.MutatingCalls);
    }

    [Theory]
    [InlineData("")]
    [InlineData("home-ops-typo\n")]
    public void Reset_all_without_the_typed_cluster_name_is_refused(string stdin)
    {
        using var h = new OperationsHarness();
        var result = h.Run(stdin, "reset", "--all", "--yes");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nothing was reset", result.Stderr);
        Assert.Contains("home-ops", result.Stderr);
        Assert.Contains("plan (home-ops):", result.Stdout); // asked after the plan, so the name is typed knowing what it does
        Assert.Empty(h.MutatingCalls);
    }

    [Fact]
    public void Reset_all_with_the_typed_cluster_name_resets_every_node_one_at_a_time()
    {
        using var h = new OperationsHarness();
        var result = h.Run("home-ops\n", "reset", "--all", "--yes");
        Assert.True(result.ExitCode == 0, result.Output);
        var resets = h.MutatingCalls.Where(c => c.Command == "reset").ToList();
        Assert.Equal(OperationsHarness.Nodes.Select(n => n.Ip), resets.Select(c => c.Node));
        Assert.Contains("--graceful=true", resets[0].Argv);
        Assert.Contains("--graceful=false", resets[2].Argv); // the last member cannot leave etcd
        foreach (var (ip, _) in OperationsHarness.Nodes)
            Assert.Equal(["STATE", "EPHEMERAL"], h.Node(ip)["resets"]![0]!["systemLabels"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.Equal("etcd snapshot", h.MutatingCalls[0].Command);
        Assert.Empty(h.Violations);
    }

    [Fact]
    public void Without_yes_and_without_a_terminal_reset_is_refused()
    {
        using var h = new OperationsHarness();
        var result = h.Run("", "reset", "--node", "mini02");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("pass --yes", result.Stderr);
        Assert.Contains("talosctl --nodes 172.29.51.12 reset", result.Stdout); // the plan was shown
        Assert.Empty(h.MutatingCalls);
    }

    [Fact]
    public void An_unknown_node_is_a_clear_error_listing_the_known_nodes_and_nothing_runs()
    {
        using var h = new OperationsHarness();
        var result = h.Run("", "reset", "--node", "mini04", "--yes");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown node 'mini04'; talconfig.yaml has: mini01 (172.29.51.11), mini02 (172.29.51.12), mini03 (172.29.51.13)", result.Stderr);
        Assert.Empty(h.StandIns.Calls);
    }

    [Fact]
    public void An_unreachable_cluster_is_refused_with_a_clear_message()
    {
        using var h = new OperationsHarness();
        h.Talos("unreachable", new JsonArray("172.29.51.11", "172.29.51.12", "172.29.51.13"));
        var result = h.Run("", "reset", "--node", "mini01", "--yes");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no etcd member answered", result.Stderr);
        Assert.Empty(h.MutatingCalls);
    }
}
