using HomeOps.Tests.Support;

namespace HomeOps.Tests.Operations;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait(Category.Name, Category.EndToEnd)]
public sealed class EtcdSnapshotTests
{
    [Fact]
    public void Snapshot_writes_a_0600_file_where_asked()
    {
        using var h = new OperationsHarness();
        File.AppendAllText(Path.Combine(h.Root, ".gitignore"), "/backups/\n"); // a snapshot goes only where Git ignores it (issue 17)
        var result = h.Run("", "etcd", "snapshot", "--out", "backups/etcd.db");
        Assert.True(result.ExitCode == 0, result.Output);
        var path = Path.Combine(h.Root, "backups", "etcd.db");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(32, new FileInfo(path).Length % 512); // the sha256 trailer talosctl checks
        Assert.Contains("etcd snapshot saved to", result.Stdout);
    }

    [Fact]
    public void Snapshot_to_a_tracked_path_or_an_existing_file_is_refused()
    {
        using var h = new OperationsHarness();
        var tracked = h.Run("", "etcd", "snapshot", "--out", "talconfig.yaml");
        Assert.Equal(2, tracked.ExitCode);
        Assert.Contains("Git tracks it", tracked.Stderr);
        Directory.CreateDirectory(Path.Combine(h.Root, ".homeops", "etcd"));
        File.WriteAllText(Path.Combine(h.Root, ".homeops", "etcd", "old.db"), "keep me");
        var existing = h.Run("", "etcd", "snapshot", "--out", ".homeops/etcd/old.db");
        Assert.Equal(2, existing.ExitCode);
        Assert.Contains("already exists", existing.Stderr);
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(h.Root, ".homeops", "etcd", "old.db")));
        Assert.Empty(h.StandIns.Calls);
    }

    [Fact]
    public void Without_a_talosconfig_the_operator_is_told_to_run_genconfig()
    {
        using var h = new OperationsHarness();
        File.Delete(Path.Combine(h.Root, "talos", "clusterconfig", "talosconfig"));
        var result = h.Run("", "etcd", "snapshot");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("homeops talos genconfig", result.Stderr);
        Assert.Empty(h.StandIns.Calls);
    }
}
