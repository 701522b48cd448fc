using HomeOps.Adapters.Files;
using HomeOps.Compile.Bootstrap;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Operations.Bootstrap;
using HomeOps.Operations.Tools;

using HomeOps.Tests.Support;

namespace HomeOps.Tests.Bootstrap;

[Trait(Category.Name, Category.EndToEnd)]
public sealed class BootstrapEngineTests
{
    [Fact]
    public async Task A_full_run_completes_every_phase_in_order_and_a_second_run_skips_them_all()
    {
        using var h = new BootstrapHarness();
        var state = await h.RunAsync();
        Assert.All(BootstrapPlan.PhaseOrder, p => Assert.True(state.Completed(p), $"{p} not completed"));
        var started = h.Events.Where(e => e.Kind == EventKind.PhaseStarted).Select(e => e.Phase).ToList();
        Assert.Equal(BootstrapPlan.PhaseOrder, started);
        Assert.Single(h.CallsStartingWith("talosctl bootstrap"));
        Assert.Equal(3, h.CallsStartingWith("talosctl apply-config").Count);
        Assert.Equal(["helm upgrade --install kube-system/cilium cilium 1.17.6"], h.CallsStartingWith("helm upgrade --install kube-system/cilium"));
        Assert.True(File.Exists(Path.Combine(h.Root, ".homeops", "helm-values-kube-system-cilium.yaml")));
        Assert.Contains("kubeProxyReplacement: true", File.ReadAllText(Path.Combine(h.Root, ".homeops", "helm-values-kube-system-cilium.yaml")));

        var calls = h.Cluster.Calls.Count;
        h.Events.Clear();
        var again = await h.RunAsync();
        Assert.Equal(BootstrapPlan.PhaseOrder, h.Events.Where(e => e.Kind == EventKind.PhaseSkipped).Select(e => e.Phase));
        Assert.Equal(calls, h.Cluster.Calls.Count); // nothing was changed
        Assert.All(BootstrapPlan.PhaseOrder, p => Assert.Equal(PhaseStatus.Skipped, again.Phases[p].Status));
    }

    [Fact]
    public async Task A_phase_that_keeps_failing_stops_the_run_with_the_command_its_output_and_the_next_step_and_resume_finishes()
    {
        using var h = new BootstrapHarness();
        h.Cluster.FailNext["helm upgrade --install kube-system/cilium"] = 3; // the phase has 3 attempts
        var failure = await Assert.ThrowsAsync<BootstrapFailedException>(() => h.RunAsync());
        Assert.Equal("cilium", failure.Phase);
        Assert.Contains("helm upgrade --install kube-system/cilium", failure.Cause.Command);
        Assert.Contains("injected failure", failure.Cause.OutputTail);
        Assert.Contains("homeops bootstrap --resume", failure.Cause.NextStep);
        Assert.Empty(h.CallsStartingWith("op item get")); // nothing after the failed phase ran
        Assert.Equal(3, h.Events.Count(e => e.Kind == EventKind.Retry) + 1);

        var state = await h.RunAsync(new BootstrapOptions(Resume: true));
        Assert.All(BootstrapPlan.PhaseOrder, p => Assert.True(state.Completed(p)));
        Assert.Single(h.CallsStartingWith("talosctl bootstrap"));
        Assert.Equal(3, h.CallsStartingWith("talosctl apply-config").Count);
    }

    [Fact]
    public async Task A_transient_failure_is_retried_within_the_phase()
    {
        using var h = new BootstrapHarness();
        h.Cluster.FailNext["flux install"] = 1;
        var state = await h.RunAsync();
        Assert.True(state.Completed("verify"));
        Assert.Single(h.Events, e => e.Kind == EventKind.Retry && e.Phase == "flux");
    }

    /// <summary>Issue #13 item 2: even when preflight is skipped (--only, --from, --resume), Flux is installed only by the pinned CLI.</summary>
    [Fact]
    public async Task The_flux_phase_refuses_a_flux_CLI_of_another_version_and_installs_nothing()
    {
        using var h = new BootstrapHarness();
        h.Cluster.Versions["flux"] = "v2.6.3";
        var failure = await Assert.ThrowsAsync<BootstrapFailedException>(() => h.RunAsync(new BootstrapOptions(Only: "flux")));
        Assert.Equal("flux", failure.Phase);
        Assert.Contains("refusing to install Flux: flux v2.6.3 is not supported with Flux v2.6.4", failure.Cause.Message);
        Assert.Contains("install flux v2.6.4", failure.Cause.Message);
        Assert.Empty(h.CallsStartingWith("flux install"));
        Assert.Empty(h.CallsStartingWith("kubectl apply"));
    }

    [Fact]
    public async Task Truncated_1Password_credentials_are_refused_before_anything_is_written_to_the_cluster()
    {
        using var h = new BootstrapHarness();
        var truncated = BootstrapHarness.ValidCredentials[..^40];
        h.Cluster.Items["1Password Connect Credentials - home-ops"] = new OnePasswordItem("creds", new Dictionary<string, string> { ["credentials"] = truncated });
        var failure = await Assert.ThrowsAsync<BootstrapFailedException>(() => h.RunAsync());
        Assert.Equal("onepassword", failure.Phase);
        Assert.Contains("not complete JSON", failure.Cause.Message);
        Assert.Empty(h.Cluster.Secrets);
        Assert.DoesNotContain(truncated[..30], failure.Cause.Message);
    }

    [Fact]
    public async Task The_legacy_single_item_is_used_when_the_separate_items_are_missing()
    {
        using var h = new BootstrapHarness();
        h.Cluster.Items.Clear();
        h.Cluster.Items["1password connect"] = new OnePasswordItem("legacy", new Dictionary<string, string> { ["credentials"] = BootstrapHarness.ValidCredentials, ["token"] = "t0k3n" });
        await h.RunAsync();
        Assert.Equal("t0k3n", System.Text.Encoding.UTF8.GetString(h.Cluster.Secrets["onepassword-connect/onepassword-connect-token"]["token"]));
        var stored = System.Text.Encoding.ASCII.GetString(h.Cluster.Secrets["onepassword-connect/op-credentials"]["1password-credentials.json"]);
        Assert.Equal(BootstrapHarness.ValidCredentials, System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(stored)));
    }

    /// <summary>
    /// Issue #13 item 7: from Connect chart 2.3.0 the credentials key is mounted as the file (OP_SESSION a path), up to 2.2.1
    /// it is OP_SESSION itself (base64 of the file). The Secret follows the chart version the repository pins.
    /// </summary>
    [Theory]
    [InlineData("2.0.1", true)]
    [InlineData("2.2.1", true)]
    [InlineData("2.3.0", false)]
    [InlineData("2.4.1", false)]
    public async Task The_credentials_secret_is_encoded_for_the_Connect_chart_version_the_repository_pins(string chart, bool base64)
    {
        using var h = new BootstrapHarness();
        PinConnectChart(h, chart);
        await h.RunAsync();
        var stored = System.Text.Encoding.ASCII.GetString(h.Cluster.Secrets["onepassword-connect/op-credentials"]["1password-credentials.json"]);
        Assert.Equal(BootstrapHarness.ValidCredentials, base64 ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(stored)) : stored);
    }

    [Fact]
    public async Task A_Connect_chart_outside_the_known_encodings_stops_the_phase_before_anything_is_read_or_written()
    {
        using var h = new BootstrapHarness();
        PinConnectChart(h, "3.0.0");
        var failure = await Assert.ThrowsAsync<BootstrapFailedException>(() => h.RunAsync());
        Assert.Equal("onepassword", failure.Phase);
        Assert.Contains("chart connect 3.0.0 (infrastructure/onepassword-connect/helmrelease.yaml:13", failure.Cause.Message);
        Assert.Contains(">=2.0.0 <2.3.0: base64, >=2.3.0 <3.0.0: file", failure.Cause.Message);
        Assert.Contains("nothing was written", failure.Cause.NextStep);
        Assert.Empty(h.Cluster.Secrets);
        Assert.Empty(h.CallsStartingWith("op "));
    }

    /// <summary>Issue #13 (op document items): 1Password saves 1password-credentials.json as a Document item, whose file is not a field.</summary>
    [Fact]
    public async Task Credentials_stored_as_a_Document_item_are_read_with_op_document_get()
    {
        using var h = new BootstrapHarness();
        h.Cluster.Items["1Password Connect Credentials - home-ops"] = new OnePasswordItem("creds", new Dictionary<string, string> { ["notesPlain"] = "" },
            "DOCUMENT", ["1password-credentials.json"]);
        h.Cluster.Documents["1Password Connect Credentials - home-ops"] = BootstrapHarness.ValidCredentials;
        await h.RunAsync();
        Assert.Single(h.CallsStartingWith("op document get 1Password Connect Credentials - home-ops"));
        var stored = System.Text.Encoding.ASCII.GetString(h.Cluster.Secrets["onepassword-connect/op-credentials"]["1password-credentials.json"]);
        Assert.Equal(BootstrapHarness.ValidCredentials, System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(stored)));
    }

    private static void PinConnectChart(BootstrapHarness h, string version)
    {
        var path = Path.Combine(h.Root, "infrastructure", "onepassword-connect", "helmrelease.yaml");
        File.WriteAllText(path, File.ReadAllText(path).Replace("version: \"2.0.1\"", $"version: \"{version}\""));
    }

    [Fact]
    public async Task An_already_bootstrapped_cluster_is_not_bootstrapped_again()
    {
        using var h = new BootstrapHarness();
        foreach (var ip in h.Cluster.Nodes.Keys) h.Cluster.Nodes[ip] = TalosNodeState.Configured;
        h.Cluster.EtcdRunning = true;
        var state = await h.RunAsync();
        Assert.Empty(h.CallsStartingWith("talosctl bootstrap"));
        Assert.Empty(h.CallsStartingWith("talosctl apply-config"));
        Assert.Equal(PhaseStatus.Skipped, state.Phases["etcd-bootstrap"].Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"version\": 1, \"runId\": \"x\", \"phases\": {\"preflight\": {\"status\": \"exploded\"")]
    [InlineData("\u0000\u0001garbage")]
    [InlineData("{\"version\": 99, \"runId\": \"x\", \"phases\": {}, \"steps\": []}")]
    public async Task A_truncated_or_garbled_state_file_is_a_clear_error_and_is_left_untouched(string content)
    {
        using var h = new BootstrapHarness();
        Directory.CreateDirectory(Path.GetDirectoryName(h.StatePath)!);
        File.WriteAllText(h.StatePath, content);
        var error = await Assert.ThrowsAsync<HomeOpsException>(() => h.RunAsync(new BootstrapOptions(Resume: true)));
        Assert.Contains("bootstrap state file is unusable", error.Findings[0].Message);
        Assert.Contains("mv ", error.Findings[0].Hint);
        Assert.Equal(content, File.ReadAllText(h.StatePath));
        Assert.Empty(h.Cluster.Calls);
    }

    [Fact]
    public void A_second_bootstrap_cannot_take_the_lock()
    {
        using var temp = new Support.TempDir();
        var path = Path.Combine(temp.Path, "bootstrap.lock");
        using (RunLock.Acquire(path))
        {
            var error = Assert.Throws<HomeOpsException>(() => RunLock.Acquire(path));
            Assert.Contains($"pid {Environment.ProcessId}", error.Findings[0].Message);
        }
        using (RunLock.Acquire(path)) { } // released with the first holder
    }

    [Fact]
    public async Task Resume_rechecks_the_last_completed_phase_and_redoes_it_when_its_effect_is_gone()
    {
        using var h = new BootstrapHarness();
        h.Cluster.FailNext["talosctl kubeconfig"] = 3;
        await Assert.ThrowsAsync<BootstrapFailedException>(() => h.RunAsync());
        h.Cluster.EtcdRunning = false; // etcd-bootstrap's effect vanished (say, the node was reset)
        h.Events.Clear();
        await h.RunAsync(new BootstrapOptions(Resume: true));
        Assert.Equal("etcd-bootstrap", h.Events.First(e => e.Kind == EventKind.PhaseStarted).Phase);
        Assert.Equal(2, h.CallsStartingWith("talosctl bootstrap").Count);
    }

    [Fact]
    public async Task Stopped_after_talosctl_bootstrap_before_etcd_runs_resume_waits_for_that_etcd()
    {
        using var h = new BootstrapHarness();
        h.Cluster.Times = new FakeCluster.Timing { EtcdStart = TimeSpan.FromSeconds(30) };
        using var stop = new CancellationTokenSource();
        h.Cluster.OnCall = call => { if (call.StartsWith("talosctl bootstrap", StringComparison.Ordinal)) stop.Cancel(); };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.RunAsync(cancel: stop.Token));
        Assert.False(h.Cluster.EtcdRunningAfterStart, "the test must stop the run before etcd runs");

        h.Cluster.OnCall = null;
        h.Events.Clear();
        var state = await h.RunAsync(new BootstrapOptions(Resume: true));

        Assert.Equal(PhaseStatus.Completed, state.Phases["etcd-bootstrap"].Status);
        Assert.Contains(h.Events, e => e.Kind == EventKind.StepCompleted && e.Phase == "etcd-bootstrap" && e.Message!.Contains("bootstrapped by an earlier run"));
        Assert.DoesNotContain(h.Events, e => e.Kind is EventKind.Retry or EventKind.PhaseFailed);
    }

    [Fact]
    public void Bootstrap_config_errors_name_the_line_and_suggest_the_phase()
    {
        using var temp = new Support.TempDir();
        var text = File.ReadAllText(Path.Combine(Support.Repo.Root, RepoFiles.BootstrapConfig)).Replace("- name: wait-nodes", "- name: wait-node").Replace("timeout: 2m\n  - name: talos-config", "timeout: 2 minutes\n  - name: talos-config");
        temp.Write(RepoFiles.BootstrapConfig, text);
        var findings = new FindingBag();
        Assert.Null(BootstrapPlan.Load(new DiskSourceTree(temp.Path), findings));
        var found = findings.Sorted();
        Assert.Contains(found, d => d.Message == "unknown phase 'wait-node'" && d.Hint == "did you mean 'wait-nodes'?" && d.Location.Line > 0);
        Assert.Contains(found, d => d.Message.Contains("'2 minutes' is not a duration"));
    }
}
