using System.Text.Json.Nodes;
using HomeOps.Adapters.Files;
using HomeOps.Tests.Operations;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Security;

/// <summary>
/// Issue 17, item 4: one operation at a time on the cluster. Two resets started together cannot both pass the quorum
/// guard; quorum is judged again after the lock and the confirmation, right before the wipe; snapshots are claimed
/// exclusively. The stand-in talosctl's delays hold the first run inside its snapshot while the second starts.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait(Category.Name, Category.EndToEnd)]
public sealed class ClusterLockTests
{
    /// <summary>Waits (bounded) until the stand-ins have logged a call matching <paramref name="match"/>: the first run is then inside it.</summary>
    private static void WaitForCall(OperationsHarness h, Func<StandIns.Call, bool> match)
    {
        for (var i = 0; i < 600 && !h.StandIns.Calls.Any(match); i++) Thread.Sleep(50);
        Assert.True(h.StandIns.Calls.Any(match), "the first run never reached the call it was to be held in");
    }

    [Fact]
    public async Task Two_resets_at_once_cannot_both_pass_the_quorum_guard()
    {
        using var h = new OperationsHarness();
        h.Delay("etcd snapshot", "172.29.51.11", 4);
        h.Delay("etcd snapshot", "172.29.51.13", 4);
        var first = Task.Run(() => h.Run("", "reset", "--node", "mini02", "--yes"));
        WaitForCall(h, c => c.Command == "etcd snapshot");
        var second = h.Run("", "reset", "--node", "mini03", "--yes");
        var firstResult = await first;

        Assert.True(firstResult.ExitCode == 0, firstResult.Output);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("another homeops run is changing this cluster", second.Stderr);
        Assert.Contains("reset", second.Stderr); // who holds the lock
        Assert.Single(h.MutatingCalls, c => c.Command == "reset");
        Assert.Null(h.Node("172.29.51.13")["resets"]);
    }

    [Fact]
    public async Task Quorum_is_judged_again_right_before_the_wipe()
    {
        using var h = new OperationsHarness();
        h.Delay("etcd snapshot", "172.29.51.11", 3);
        var run = Task.Run(() => h.Run("", "reset", "--node", "mini02", "--yes"));
        WaitForCall(h, c => c.Command == "etcd snapshot");
        h.Talos("notReady", new JsonArray("172.29.51.13")); // mini03 goes down while mini02's reset is being prepared
        var result = await run;

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("changed since the plan was shown", result.Stderr);
        Assert.Contains("would lose etcd quorum", result.Stderr);
        Assert.DoesNotContain(h.MutatingCalls, c => c.Command == "reset");
    }

    [Fact]
    public async Task Two_snapshots_to_one_name_never_both_write_it()
    {
        using var h = new OperationsHarness();
        h.Delay("etcd snapshot", "172.29.51.11", 3);
        var first = Task.Run(() => h.Run("", "etcd", "snapshot", "--out", ".homeops/etcd/same.db"));
        WaitForCall(h, c => c.Command == "etcd snapshot");
        var second = h.Run("", "etcd", "snapshot", "--out", ".homeops/etcd/same.db");
        var firstResult = await first;

        Assert.True(firstResult.ExitCode == 0, firstResult.Output);
        Assert.NotEqual(0, second.ExitCode);
        Assert.Single(h.MutatingCalls, c => c.Command == "etcd snapshot");
        Assert.Equal(32, new FileInfo(Path.Combine(h.Root, ".homeops", "etcd", "same.db")).Length % 512);
    }

    [Fact]
    public void Bootstrap_and_the_day_2_commands_share_one_lock()
    {
        using var h = new OperationsHarness();
        using (new DiskWorkspace(h.Root, new GitCli()).LockCluster("bootstrap"))
        {
            foreach (var command in new[] { new[] { "reset", "--node", "mini02", "--yes" }, ["etcd", "snapshot"], ["upgrade", "talos", "v1.10.6", "--yes"],
                         ["upgrade", "kubernetes", "v1.32.0", "--yes"], ["recover", "--yes"] })
            {
                var result = h.Run("", command);
                Assert.True(result.ExitCode == 1 && result.Stderr.Contains("another homeops run is changing this cluster", StringComparison.Ordinal),
                    $"{string.Join(' ', command)}: exit {result.ExitCode}\n{result.Output}");
            }
            Assert.Empty(h.StandIns.Calls);
            // a dry run changes nothing and takes no lock
            Assert.Equal(0, h.Run("", "reset", "--node", "mini02", "--dry-run").ExitCode);
        }
    }
}

/// <summary>The exclusive claim underneath: a name that exists is never opened again for writing.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ExclusiveClaimTests
{
    [Fact]
    public void A_claimed_name_cannot_be_claimed_again_and_is_private()
    {
        using var temp = new TempDir();
        var workspace = new DiskWorkspace(temp.Path, new Validation.NoGit());
        Assert.True(workspace.TryCreateExclusive(".homeops/etcd/a.db"));
        File.WriteAllText(temp.File(".homeops/etcd/a.db"), "snapshot");
        Assert.False(workspace.TryCreateExclusive(".homeops/etcd/a.db"));
        Assert.Equal("snapshot", File.ReadAllText(temp.File(".homeops/etcd/a.db")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(temp.File(".homeops/etcd/a.db")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(temp.File(".homeops")));
        File.CreateSymbolicLink(temp.File(".homeops/etcd/link.db"), temp.File("elsewhere.db"));
        Assert.False(workspace.TryCreateExclusive(".homeops/etcd/link.db")); // O_EXCL does not follow a dangling symlink either
        Assert.False(File.Exists(temp.File("elsewhere.db")));
    }
}
