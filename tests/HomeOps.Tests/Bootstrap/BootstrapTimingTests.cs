using HomeOps.Compile.Bootstrap;
using HomeOps.Operations.Bootstrap;

namespace HomeOps.Tests.Bootstrap;

/// <summary>
/// The engine against a cluster that takes real-world time, on virtual time (the harness's clock): nodes install and reboot
/// for 20–60 s after apply-config, etcd takes 30 s to start and the API server 90 s more, Helm installs take minutes, Flux
/// reconciles after two. Nothing here depends on how fast the machine is: time only moves while the engine waits.
/// </summary>
public sealed class BootstrapTimingTests
{
    private const int Seed = 20250701;

    private static Dictionary<string, TimeSpan> RebootTimes()
    {
        var random = new Random(Seed);
        return new[] { "172.29.51.11", "172.29.51.12", "172.29.51.13" }.ToDictionary(ip => ip, _ => TimeSpan.FromSeconds(random.Next(20, 61)));
    }

    private static FakeCluster.Timing RealWorld(IReadOnlyDictionary<string, TimeSpan> reboot) => new()
    {
        Reboot = ip => reboot[ip],
        EtcdStart = TimeSpan.FromSeconds(30),
        ApiStart = TimeSpan.FromSeconds(90),
        HelmInstall = TimeSpan.FromMinutes(3),
        FluxInstall = TimeSpan.FromMinutes(1),
        FluxReconcile = TimeSpan.FromMinutes(2),
    };

    /// <summary>Issue #13 item 3: talos-config waits for every node to come back configured; the API's start is waited for, not failed on.</summary>
    [Fact]
    public async Task Nodes_that_reboot_for_20_to_60_seconds_after_apply_config_and_a_slow_API_are_waited_for()
    {
        using var h = new BootstrapHarness();
        var reboot = RebootTimes();
        h.Cluster.Times = RealWorld(reboot);

        var state = await h.RunAsync();

        Assert.All(BootstrapPlan.PhaseOrder.Where(p => p is not ("preflight" or "verify")), p => Assert.Equal(PhaseStatus.Completed, state.Phases[p].Status));
        Assert.DoesNotContain(h.Events, e => e.Kind is EventKind.Retry or EventKind.PhaseFailed);
        Assert.Single(h.CallsStartingWith("talosctl bootstrap"));
        Assert.Equal(3, h.CallsStartingWith("talosctl apply-config").Count);
        foreach (var (ip, back) in h.Cluster.BackAt)
        {
            // each node was first seen configured after its reboot was over, and talos-config recorded it before finishing
            Assert.True(h.Cluster.ConfiguredSeenAt[ip] >= back, $"{ip} seen configured at {h.Cluster.ConfiguredSeenAt[ip]:T}, back only at {back:T}");
            Assert.Contains($"talos-config/configured/{ip}", state.Steps);
        }
        var talosConfigDone = h.Events.Single(e => e.Kind == EventKind.PhaseCompleted && e.Phase == "talos-config").Time;
        Assert.True(talosConfigDone >= h.Cluster.BackAt.Values.Max(), "talos-config completed before the last node was back");
        Assert.Contains(h.Events, e => e.Kind == EventKind.Waiting && e.Phase == "talos-config" && e.Message!.Contains("come back configured"));
        Assert.Contains(h.Events, e => e.Kind == EventKind.Waiting && e.Phase == "wait-nodes" && e.Message!.Contains("does not answer"));
        Assert.Contains(h.Events, e => e.Kind == EventKind.Waiting && e.Phase == "flux");
    }

    [Fact]
    public async Task A_node_that_never_comes_back_after_apply_config_fails_talos_config_naming_it()
    {
        using var h = new BootstrapHarness();
        var reboot = RebootTimes();
        reboot["172.29.51.13"] = TimeSpan.FromDays(1);
        h.Cluster.Times = RealWorld(reboot);

        var failure = await Assert.ThrowsAsync<BootstrapFailedException>(() => h.RunAsync());

        Assert.Equal("talos-config", failure.Phase);
        Assert.Contains("timed out after 10m0s waiting for 3 nodes to come back configured", failure.Cause.Message);
        Assert.Contains("mini03 (172.29.51.13): does not answer since apply-config (installing or rebooting)", failure.Cause.Message);
        Assert.DoesNotContain("mini01", failure.Cause.Message);
        Assert.Single(h.CallsStartingWith("talosctl apply-config --insecure 172.29.51.13")); // never re-applied while it was away
        Assert.Empty(h.CallsStartingWith("talosctl bootstrap"));
    }

    [Fact]
    public async Task A_run_stopped_while_nodes_reboot_resumes_by_waiting_for_them_not_by_applying_again()
    {
        using var h = new BootstrapHarness();
        h.Cluster.Times = RealWorld(RebootTimes());
        using var stop = new CancellationTokenSource();
        h.Cluster.OnCall = call =>
        {
            if (h.CallsStartingWith("talosctl apply-config").Count == 3) stop.Cancel(); // the operator's Ctrl-C right after the last apply
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.RunAsync(cancel: stop.Token));
        h.Cluster.OnCall = null;
        Assert.All(h.Cluster.BackAt.Values, back => Assert.True(back > h.Time.Now, "the nodes should still be rebooting when the run resumes"));

        var state = await h.RunAsync(new BootstrapOptions(Resume: true));

        Assert.All(BootstrapPlan.PhaseOrder, p => Assert.True(state.Completed(p), $"{p} not completed"));
        Assert.Equal(3, h.CallsStartingWith("talosctl apply-config").Count);
        Assert.Single(h.CallsStartingWith("talosctl bootstrap"));
    }

    /// <summary>Issue #13 item 6: an agent that does not answer `cilium bgp` is named by verify; the other nodes are still judged.</summary>
    [Fact]
    public async Task Verify_names_a_node_whose_cilium_agent_does_not_answer()
    {
        using var h = new BootstrapHarness();
        h.Cluster.SilentAgents["mini02"] = "failed to fetch bgp state from cilium-4f2a1: command terminated with exit code 1";

        var failure = await Assert.ThrowsAsync<BootstrapFailedException>(() => h.RunAsync());

        Assert.Equal("verify", failure.Phase);
        Assert.Contains("BGP sessions of mini02: not reported (failed to fetch bgp state from cilium-4f2a1", failure.Cause.Message);
        Assert.DoesNotContain("no BGP session", failure.Cause.Message);
        Assert.DoesNotContain("mini01", failure.Cause.Message);
    }
}
