namespace HomeOps.Tests.Operations;

/// <summary>`homeops upgrade talos` through the real CLI against the stand-in talosctl.</summary>
public sealed class UpgradeTests
{
    private const string Schematic = "factory.talos.dev/metal-installer/";

    [Fact]
    public void Rolling_upgrade_goes_one_node_at_a_time_and_updates_talconfig_after_the_last()
    {
        using var h = new OperationsHarness();
        var result = h.Run("", "upgrade", "talos", "v1.10.6", "--yes");
        Assert.True(result.ExitCode == 0, result.Output);
        var mutating = h.MutatingCalls;
        Assert.Equal(["etcd snapshot", "upgrade", "upgrade", "upgrade"], mutating.Select(c => c.Command));
        Assert.Equal(OperationsHarness.Nodes.Select(n => n.Ip), mutating.Skip(1).Select(c => c.Node));
        foreach (var call in mutating.Skip(1))
        {
            Assert.Contains("--preserve", call.Argv);
            Assert.Contains(call.Argv, a => a.StartsWith(Schematic, StringComparison.Ordinal) && a.EndsWith(":v1.10.6", StringComparison.Ordinal));
        }
        // each node was checked back (version read) before the next one started
        var calls = h.StandIns.Calls.ToList();
        var secondUpgrade = calls.FindIndex(c => c.Command == "upgrade" && c.Node == "172.29.51.12");
        Assert.Contains(calls.Take(secondUpgrade), c => c.Command == "get version" && c.Node == "172.29.51.11");
        Assert.Contains("talosVersion: v1.10.6", h.TalConfig);
        Assert.Empty(h.Violations);
    }

    [Fact]
    public void When_node_2_fails_the_upgrade_stops_node_3_is_untouched_and_the_message_names_node_2_and_the_next_step()
    {
        using var h = new OperationsHarness();
        h.Fail("upgrade", "172.29.51.12", "error validating installer image: failed to pull: 502 Bad Gateway");
        var result = h.Run("", "upgrade", "talos", "v1.10.6", "--yes");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("upgrade of mini02 (172.29.51.12) to v1.10.6 failed; not touched: mini03 (172.29.51.13)", result.Stderr);
        Assert.Contains("command: talosctl", result.Stderr);
        Assert.Contains("502 Bad Gateway", result.Stderr);
        Assert.Contains("next:    look at mini02", result.Stderr);
        Assert.Contains("rerun `homeops upgrade talos v1.10.6`", result.Stderr);
        Assert.DoesNotContain(h.StandIns.Calls, c => c.Command == "upgrade" && c.Node == "172.29.51.13");
        Assert.Null(h.Node("172.29.51.13")["upgrades"]);
        Assert.Equal("v1.10.6", h.Node("172.29.51.11")["version"]!.GetValue<string>());
        Assert.Contains("talosVersion: v1.10.5", h.TalConfig); // not all nodes succeeded

        // the rerun skips mini01 and finishes
        var knobs = h.StandIns.Knobs;
        knobs.Remove("fail");
        h.StandIns.Knobs = knobs;
        var rerun = h.Run("", "upgrade", "talos", "v1.10.6", "--yes");
        Assert.True(rerun.ExitCode == 0, rerun.Output);
        Assert.Contains("mini01 (172.29.51.11): already at v1.10.6, skipped", rerun.Stdout);
        Assert.Single(h.StandIns.Calls, c => c.Command == "upgrade" && c.Node == "172.29.51.11");
        Assert.Contains("talosVersion: v1.10.6", h.TalConfig);
    }

    [Theory]
    [InlineData("1.10.x", "is not a Talos release version")]
    [InlineData("latest", "is not a Talos release version")]
    [InlineData("v1.9.0", "older than the cluster's v1.10.5")]
    [InlineData("v1.12.0", "skips a release line")]
    public void A_bad_version_is_a_clear_error_and_nothing_changes(string version, string message)
    {
        using var h = new OperationsHarness();
        var before = h.TalConfig;
        var result = h.Run("", "upgrade", "talos", version, "--yes");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.Contains("nothing was changed", result.Stderr);
        Assert.Empty(h.StandIns.Calls);
        Assert.Equal(before, h.TalConfig);
    }

    [Fact]
    public void An_unhealthy_cluster_is_not_upgraded()
    {
        using var h = new OperationsHarness();
        h.Talos("notReady", new System.Text.Json.Nodes.JsonArray("172.29.51.13"));
        var result = h.Run("", "upgrade", "talos", "v1.10.6", "--yes");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("refusing to start an upgrade on an unhealthy cluster: mini03 (172.29.51.13) is not ready", result.Stderr);
        Assert.Empty(h.MutatingCalls);
    }

    [Fact]
    public void A_node_that_does_not_come_back_in_time_stops_the_upgrade_before_the_next_node()
    {
        using var h = new OperationsHarness();
        h.Talos("rebootSeconds", 30); // mini01 stays unreachable after its upgrade
        var result = h.Run("", "upgrade", "talos", "v1.10.6", "--yes", "--node-timeout", "1s");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("mini01 (172.29.51.11) did not come back healthy on v1.10.6 within 1s", result.Stderr);
        Assert.Contains("not touched: mini02 (172.29.51.12), mini03 (172.29.51.13)", result.Stderr);
        Assert.Single(h.StandIns.Calls, c => c.Command == "upgrade");
        Assert.Contains("talosVersion: v1.10.5", h.TalConfig);
    }
}
