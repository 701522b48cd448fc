using HomeOps.Tests.Operations;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Cli;

/// <summary>--dry-run on every command that changes something: it reads and checks what it needs, says what it would do, and changes nothing.</summary>
[Trait(Category.Name, Category.EndToEnd)]
public sealed class DryRunTests
{
    [Fact]
    public void Reset_dry_run_checks_quorum_and_prints_the_plan_without_a_snapshot_or_a_reset()
    {
        using var h = new OperationsHarness();
        var result = h.Run("", "reset", "--node", "mini02", "--dry-run");
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("talosctl --nodes 172.29.51.12 reset --graceful=true --reboot --system-labels-to-wipe STATE --system-labels-to-wipe EPHEMERAL", result.Stdout);
        Assert.Contains("dry run: the plan above was not carried out; nothing was changed", result.Stdout);
        Assert.Empty(h.MutatingCalls);
        Assert.False(Directory.Exists(Path.Combine(h.Root, ".homeops", "etcd")));
    }

    [Fact]
    public void Reset_all_dry_run_shows_the_plan_and_asks_for_no_cluster_name()
    {
        using var h = new OperationsHarness();
        var result = h.Run("", "reset", "--all", "--dry-run");
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.DoesNotContain("Type the cluster name", result.Stdout);
        Assert.Contains("dry run", result.Stdout);
        Assert.Empty(h.MutatingCalls);
    }

    [Fact]
    public void Reset_all_asks_for_the_cluster_name_after_showing_the_plan()
    {
        using var h = new OperationsHarness();
        var result = h.Run("wrong-name\n", "reset", "--all", "--yes");
        Assert.Equal(1, result.ExitCode);
        Assert.True(result.Stdout.IndexOf("plan (home-ops):", StringComparison.Ordinal) < result.Stdout.IndexOf("Type the cluster name", StringComparison.Ordinal),
            result.Stdout);
        Assert.Contains("'wrong-name' is not the cluster name (home-ops); nothing was reset", result.Stderr);
        Assert.Empty(h.MutatingCalls);
    }

    [Fact]
    public void Etcd_snapshot_dry_run_names_the_member_and_the_file_and_writes_nothing()
    {
        using var h = new OperationsHarness();
        var result = h.Run("", "etcd", "snapshot", "--out", ".homeops/etcd/planned.db", "--dry-run");
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("dry run: would take an etcd snapshot from mini01 (172.29.51.11) into .homeops/etcd/planned.db", result.Stdout);
        Assert.Empty(h.MutatingCalls);
        Assert.False(File.Exists(Path.Combine(h.Root, ".homeops", "etcd", "planned.db")));
    }

    [Fact]
    public void Talos_gensecret_and_genconfig_dry_runs_check_everything_and_write_nothing()
    {
        using var h = new OperationsHarness();
        var secret = h.Run("", "talos", "gensecret", "--dry-run");
        Assert.True(secret.ExitCode == 0, secret.Output);
        Assert.Contains("dry run: would write talsecret.yaml (mode 0600); nothing was written", secret.Stdout);
        Assert.False(File.Exists(Path.Combine(h.Root, "talsecret.yaml")));
        var tracked = h.Run("", "talos", "gensecret", "--dry-run", "--force", "--out", "talconfig.yaml");
        Assert.Equal(1, tracked.ExitCode);
        Assert.Contains("Git tracks it", tracked.Stderr);

        Assert.Equal(0, h.Run("", "talos", "gensecret").ExitCode);
        var rendered = Path.Combine(h.Root, "talos", "clusterconfig", "home-ops-mini01.yaml");
        var config = h.Run("", "talos", "genconfig", "--dry-run", "--schema-location", Repo.Schemas);
        Assert.True(config.ExitCode == 0, config.Output);
        Assert.Contains("would write talos/clusterconfig/home-ops-mini01.yaml", config.Stdout);
        Assert.Contains("dry run: every config rendered and checked; nothing was written", config.Stdout);
        Assert.False(File.Exists(rendered));
    }
}
