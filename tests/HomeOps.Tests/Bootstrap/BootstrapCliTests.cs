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
        var before = Tree(h.Root); // the harness itself wrote the secrets bundle (and its staging directory) already
        var result = Process.HomeOps(h.Root, Environment(standIns), "bootstrap", "--dry-run", "--schema-location", Repo.Schemas);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(before, Tree(h.Root));
        foreach (var phase in BootstrapPlan.PhaseOrder) Assert.Contains($". {phase}  (timeout", result.Stdout);
        Assert.Contains("talosctl apply-config --insecure --nodes 172.29.51.12 --file talos/clusterconfig/home-ops-mini02.yaml", result.Stdout);
        Assert.Contains("helm upgrade --install cilium cilium --repo https://helm.cilium.io --version 1.17.6 -n kube-system", result.Stdout);
        Assert.Contains("values ***", result.Stdout);
        Assert.Empty(standIns.Calls); // not even a version probe
        Assert.False(File.Exists(h.StatePath));
        Assert.False(Directory.Exists(Path.Combine(h.Root, "talos", "clusterconfig")));
    }

    /// <summary>Every file and directory under <paramref name="root"/> (the test's own cache aside) with its content's digest.</summary>
    private static List<string> Tree(string root) =>
        [.. Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(root, path))
            .Where(path => !path.StartsWith(".cache-test", StringComparison.Ordinal))
            .Select(path => File.Exists(Path.Combine(root, path))
                ? $"{path} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(root, path))))}"
                : path + "/")
            .Order(StringComparer.Ordinal)];

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
        Assert.Contains("helm v3.12.0 is not supported with Kubernetes v1.31.1: bootstrap-config.yaml", result.Stderr);
        Assert.Contains("accepts v3.16.x; install helm v3.16.x (its latest patch)", result.Stderr);
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

    /// <summary>
    /// Issue #13 item 2: a flux CLI of another patch would make `flux install --version=v2.6.4` download the manifests from
    /// GitHub (another minor: refuse them). The matrix accepts exactly the pinned Flux, and preflight names the one to install.
    /// </summary>
    [Theory]
    [InlineData("flux", "v2.6.3", "flux v2.6.3 is not supported with Flux v2.6.4", "install flux v2.6.4")]
    [InlineData("flux", "v2.7.0", "flux v2.7.0 is not supported with Flux v2.6.4", "install flux v2.6.4")]
    [InlineData("talosctl", "v1.9.5", "talosctl v1.9.5 is not supported with Talos v1.10.5", "install talosctl v1.10.5")]
    [InlineData("talosctl", "v1.12.0", "talosctl v1.12.0 is not supported with Talos v1.10.5", "accepts v1.10.x or v1.11.x")]
    [InlineData("cilium", "v0.18.2", "cilium v0.18.2 is not supported with Cilium v1.17.6", "install cilium v0.16.x (its latest patch)")]
    [InlineData("op", "v2.29.0", "op v2.29.0 is not supported: bootstrap-config.yaml", "install op (a version >=v2.30.0 <v3.0.0)")]
    [InlineData("kubectl", "v1.29.9", "kubectl v1.29.9 is not supported with Kubernetes v1.31.1", "install kubectl v1.31.1")]
    public void A_tool_version_outside_the_matrix_stops_preflight_naming_the_version_to_install(string tool, string version, string problem, string fix)
    {
        using var h = new BootstrapHarness();
        using var standIns = new StandIns();
        standIns.Knobs = new System.Text.Json.Nodes.JsonObject { ["versions"] = new System.Text.Json.Nodes.JsonObject { [tool] = version } };
        var result = Process.HomeOps(h.Root, Environment(standIns), "bootstrap", "--yes", "--schema-location", Repo.Schemas);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("bootstrap failed in phase preflight", result.Stderr);
        Assert.Contains(problem, result.Stderr);
        Assert.Contains(fix, result.Stderr);
        Assert.Contains("nothing has been changed yet", result.Stderr);
        Assert.DoesNotContain(standIns.Calls, c => c.Command is "apply-config" or "bootstrap" or "upgrade" or "install" or "apply");
    }

    /// <summary>A version command that answers nothing is one preflight problem among the others, naming what was expected.</summary>
    [Fact]
    public void A_tool_that_prints_no_version_stops_preflight_naming_the_tool_and_what_was_expected()
    {
        using var h = new BootstrapHarness();
        using var standIns = new StandIns();
        standIns.Knobs = System.Text.Json.Nodes.JsonNode.Parse("""
            {"versions": {"cilium": "v0.18.2"}, "fail": [{"tool": "talosctl", "command": "version", "times": 100, "exit": 0, "stderr": ""}]}
            """)!.AsObject();
        var result = Process.HomeOps(h.Root, Environment(standIns), "bootstrap", "--yes", "--schema-location", Repo.Schemas);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("bootstrap failed in phase preflight", result.Stderr);
        Assert.True(result.Stderr.Contains("talosctl: `talosctl version --client --short` printed nothing; expected `Client:` then `Talos vX.Y.Z`",
            StringComparison.Ordinal), result.Stderr);
        Assert.Contains("(supported: v1.10.x or v1.11.x with Talos v1.10.5)", result.Stderr);
        Assert.Contains("cilium v0.18.2 is not supported with Cilium v1.17.6", result.Stderr);
        Assert.Contains("nothing has been changed yet", result.Stderr);
        Assert.DoesNotContain(standIns.Calls, c => c.Command is "apply-config" or "bootstrap" or "upgrade" or "install" or "apply");
    }

    /// <summary>Issue #13 item 6 ("no preflight call leaves the machine"): every preflight probe runs offline.</summary>
    [Fact]
    public void Preflight_reaches_nothing_outside_the_machine()
    {
        using var h = new BootstrapHarness();
        using var standIns = new StandIns();
        var result = Process.HomeOps(h.Root, Environment(standIns), "bootstrap", "--yes", "--only", "preflight", "--schema-location", Repo.Schemas);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(["cilium", "flux", "helm", "kubectl", "op", "talosctl"], standIns.Calls.Where(c => c.Command is "version" or "--version").Select(c => c.Tool).Order());
        Assert.False(File.Exists(Path.Combine(standIns.StatePath, "egress.log")), "a preflight call left the machine: " +
            (File.Exists(Path.Combine(standIns.StatePath, "egress.log")) ? File.ReadAllText(Path.Combine(standIns.StatePath, "egress.log")) : ""));
    }
}
