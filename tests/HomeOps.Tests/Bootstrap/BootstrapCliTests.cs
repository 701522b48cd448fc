using HomeOps.Compile.Bootstrap;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Bootstrap;

/// <summary>`homeops bootstrap` through the real CLI with the stand-in tools on PATH.</summary>
[Trait(Category.Name, Category.EndToEnd)]
public sealed class BootstrapCliTests
{
    private static Dictionary<string, string> Environment(StandIns standIns) => standIns.Environment.ToDictionary();

    [Fact]
    public void Dry_run_prints_every_phase_and_command_and_touches_nothing()
    {
        using var h = new BootstrapHarness();
        using var standIns = new StandIns();
        var result = Process.HomeOps(h.Root, Environment(standIns), "bootstrap", "--dry-run", "--schema-location", Repo.Schemas);
        Assert.True(result.ExitCode == 0, result.Output);
        foreach (var phase in BootstrapPlan.PhaseOrder) Assert.Contains($". {phase}  (timeout", result.Stdout);
        Assert.Contains("talosctl apply-config --insecure --nodes 172.29.51.12 --file talos/clusterconfig/home-ops-mini02.yaml", result.Stdout);
        Assert.Contains("helm upgrade --install cilium cilium --repo https://helm.cilium.io --version 1.17.6 -n kube-system", result.Stdout);
        Assert.Contains("values ***", result.Stdout);
        Assert.Empty(standIns.Calls); // not even a version probe
        Assert.False(Directory.Exists(Path.Combine(h.Root, ".homeops")));
        Assert.False(Directory.Exists(Path.Combine(h.Root, "talos", "clusterconfig")));
    }

    [Fact]
    public void Without_a_terminal_bootstrap_needs_yes()
    {
        using var h = new BootstrapHarness();
        using var standIns = new StandIns();
        var result = Process.HomeOps(h.Root, Environment(standIns), "bootstrap", "--schema-location", Repo.Schemas);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("pass --yes", result.Stderr);
        Assert.Empty(standIns.Calls);
    }

    [Fact]
    public void Preflight_failure_names_every_problem_and_changes_nothing()
    {
        using var h = new BootstrapHarness();
        using var standIns = new StandIns();
        standIns.SetKnobs("""{"versions": {"helm": "v3.12.0"}, "talos": {"unreachable": ["172.29.51.13"]}}""");
        var result = Process.HomeOps(h.Root, Environment(standIns), "bootstrap", "--yes", "--schema-location", Repo.Schemas);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("bootstrap failed in phase preflight", result.Stderr);
        Assert.Contains("helm v3.12.0 is older than the required v3.16.0", result.Stderr);
        Assert.Contains("mini03 (172.29.51.13) does not answer on the Talos API port 50000", result.Stderr);
        Assert.DoesNotContain("mini02 (172.29.51.12) does not answer", result.Stderr);
        Assert.Contains("nothing has been changed yet", result.Stderr);
        Assert.DoesNotContain(standIns.Calls, c => c.Command is "apply-config" or "bootstrap" or "upgrade" or "install");
        var log = File.ReadAllLines(Path.Combine(h.Root, ".homeops", "bootstrap.log"));
        Assert.Contains(log, l => l.Contains("\"event\":\"phase-failed\"") && l.Contains("\"phase\":\"preflight\""));
    }

    [Fact]
    public void An_unknown_phase_is_a_usage_error_with_a_suggestion()
    {
        using var h = new BootstrapHarness();
        var result = Process.HomeOps(h.Root, "bootstrap", "--dry-run", "--only", "cillium", "--schema-location", Repo.Schemas);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("did you mean 'cilium'?", result.Stderr);
    }
}
