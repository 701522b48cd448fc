using HomeOps.Operations.Maintenance;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Operations;

/// <summary>
/// What the rolling Talos upgrade waits for after each node, on virtual time: the operations run in this process on a fake
/// clock (<see cref="VirtualTime"/>) against the stand-in talosctl and the real API server, every tool and API call taking no
/// virtual time. The waits are of realistic length (minutes) and end where the clock says, never where a busy machine
/// happens to be: the test's own actions on the cluster happen at exact points (when the operation says it starts a node,
/// or after virtual minutes), before the clock moves on.
/// </summary>
[Collection("apiserver")]
[Trait(Category.Name, Category.EndToEnd)]
public sealed class UpgradeTimingTests(ApiServerFixture api)
{
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromMinutes(2);

    private static OperationFailedException Upgrade(OperationsHarness h, UpgradeCluster cluster, VirtualTime time, Action<string>? onSay = null)
    {
        var console = new OperationsHarness.RecordingConsole { OnSay = onSay };
        var ops = h.Operations(time, cluster.Kubeconfig, NodeTimeout, console);
        return Assert.Throws<OperationFailedException>(() => time.Run(() => ops.UpgradeTalosAsync("v1.10.6", new Consent(Yes: true, DryRun: false), CancellationToken.None)));
    }

    [SkippableFact]
    public async Task A_node_that_does_not_come_back_in_time_stops_the_upgrade_before_the_next_node()
    {
        api.Require();
        using var h = new OperationsHarness();
        await using var cluster = await UpgradeCluster.StartAsync(api);
        h.Talos("rebootSeconds", 3600); // mini01 is away for an hour (real time) after its upgrade
        var time = new VirtualTime();

        var e = Upgrade(h, cluster, time);

        Assert.Contains("mini01 (172.29.51.11) did not come back healthy on v1.10.6 within 2m0s", e.Message);
        Assert.Contains("not touched: mini02 (172.29.51.12), mini03 (172.29.51.13)", e.Message);
        // gives up when the node timeout is over, not before (every tool and API call takes no virtual time)
        Assert.Equal(NodeTimeout, time.Elapsed);
        Assert.Single(h.StandIns.Calls, c => c.Command == "upgrade");
        Assert.Contains("talosVersion: v1.10.5", h.TalConfig);
    }

    [SkippableFact]
    public async Task A_Node_that_stays_NotReady_after_its_upgrade_stops_the_upgrade_before_the_next_node()
    {
        api.Require();
        using var h = new OperationsHarness();
        await using var cluster = await UpgradeCluster.StartAsync(api);
        var time = new VirtualTime();

        // Talos brings mini01 back; its kubelet never reports Ready again
        var e = Upgrade(h, cluster, time, line =>
        {
            if (line.StartsWith("upgrading mini01", StringComparison.Ordinal))
                _ = time.Real(() => cluster.SetReadyAsync("mini01", false, "container runtime network not ready: cni plugin not initialized"));
        });

        Assert.Contains("mini01 (172.29.51.11) did not come back healthy on v1.10.6 within 2m0s: Node mini01 is NotReady (container runtime network not ready: cni plugin not initialized)", e.Message);
        Assert.Contains("not touched: mini02 (172.29.51.12), mini03 (172.29.51.13)", e.Message);
        Assert.Contains("kubectl get node mini01", e.NextStep);
        Assert.DoesNotContain(h.StandIns.Calls, c => c.Command == "upgrade" && c.Node != "172.29.51.11");
        Assert.Contains("talosVersion: v1.10.5", h.TalConfig);
    }

    [SkippableFact]
    public async Task A_volume_degraded_by_a_node_upgrade_is_waited_for_while_Longhorn_rebuilds_and_stops_the_upgrade_when_it_does_not()
    {
        api.Require();
        using var h = new OperationsHarness();
        await using var cluster = await UpgradeCluster.StartAsync(api);
        var rebuilt = await cluster.AddVolumeAsync("healthy");
        var stuck = await cluster.AddVolumeAsync("healthy", "mini02");
        var time = new VirtualTime();
        DateTimeOffset? healed = null;

        // mini01's reboot degrades one volume for 40 s while Longhorn rebuilds the replica; mini02's degrades another for good
        async Task RebuildAsync()
        {
            await time.Real(() => cluster.SetVolumeAsync(rebuilt, "degraded"));
            await Task.Delay(TimeSpan.FromSeconds(40), time.Clock);
            await time.Real(() => cluster.SetVolumeAsync(rebuilt, "healthy"));
            healed = time.Now;
        }
        var e = Upgrade(h, cluster, time, line =>
        {
            if (line.StartsWith("upgrading mini01", StringComparison.Ordinal)) _ = RebuildAsync();
            if (line.StartsWith("upgrading mini02", StringComparison.Ordinal)) _ = time.Real(() => cluster.SetVolumeAsync(stuck, "degraded", "mini02"));
        });

        Assert.NotNull(healed);
        Assert.Contains($"mini02 (172.29.51.12) did not come back healthy on v1.10.6 within 2m0s: Longhorn volume {stuck} is degraded (healthy before", e.Message);
        Assert.Contains("not touched: mini03 (172.29.51.13)", e.Message);
        Assert.DoesNotContain(h.StandIns.Calls, c => c.Command == "upgrade" && c.Node == "172.29.51.13");
        Assert.Contains("talosVersion: v1.10.5", h.TalConfig);
    }
}
