using HomeOps.Adapters.Files;
using HomeOps.Tests.Operations;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Security;

/// <summary>
/// Issue 17, item 3 (and item 5's first half): key material is written only where Git ignores it, judged on the real
/// path, case-insensitively where the file system is, and any question Git cannot answer refuses.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SecretTargetTests : IDisposable
{
    private readonly TempDir _temp = new();

    private string Root => _temp.Path;

    public SecretTargetTests()
    {
        _temp.Write(".gitignore", "talsecret.yaml\ntalos/clusterconfig/\n.homeops/\n");
        _temp.Write("talconfig.yaml", "clusterName: x\n");
        _temp.Write("talos/patches/cluster.yaml", "cluster: {}\n");
    }

    public void Dispose() => _temp.Dispose();

    private void Commit() => Validation.GitCommitAll(Root);

    private IReadOnlyList<HomeOps.Model.Finding> Refusals(params string[] paths) => new DiskWorkspace(Root, new GitCli()).RefuseSecretTargets(paths);

    [Fact]
    public void An_ignored_untracked_path_is_accepted()
    {
        Commit();
        Assert.Empty(Refusals("talsecret.yaml", "talos/clusterconfig/home-ops-a.yaml", ".homeops/etcd/x.db"));
    }

    [Fact]
    public void A_git_error_refuses_instead_of_counting_as_untracked()
    {
        _temp.Write("talsecret.yaml", "old bundle\n");
        Commit();
        Process.Run("git", Root, "add", "-f", "talsecret.yaml");
        Process.Run("git", Root, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "tracked bundle");
        File.WriteAllBytes(Path.Combine(Root, ".git", "index"), "not an index"u8.ToArray()); // git: "index file corrupt", exit 128
        var refused = Assert.Single(Refusals("talsecret.yaml"));
        Assert.Equal("secrets/git-unknown", refused.Rule);
        Assert.Contains("cannot tell whether Git would commit it", refused.Message);
    }

    [SkippableFact]
    public void A_repository_owned_by_another_user_is_refused_not_written()
    {
        Skip.IfNot(Environment.UserName == "root", "needs root to give the repository to another user (git's dubious-ownership check)");
        _temp.Write("talsecret.yaml", "old bundle\n");
        Commit();
        Process.Run("git", Root, "add", "-f", "talsecret.yaml");
        Process.Run("git", Root, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "tracked bundle");
        Assert.Equal(0, Process.Run("chown", Root, "-R", "nobody", Root).ExitCode);
        var environment = new Dictionary<string, string> { ["HOME"] = Root }; // no safe.directory from the tester's own config
        var result = Process.HomeOps(Root, environment, "talos", "gensecret", "--force");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot tell whether Git would commit", result.Stderr);
        Assert.Equal("old bundle\n", File.ReadAllText(Path.Combine(Root, "talsecret.yaml")));
    }

    [Fact]
    public void A_committed_symlink_for_the_config_directory_leads_to_a_committable_path_and_is_refused()
    {
        Directory.CreateSymbolicLink(Path.Combine(Root, "talos", "clusterconfig"), "patches");
        Commit(); // talos/clusterconfig is now a tracked symlink to the tracked talos/patches
        var refused = Refusals("talos/clusterconfig/home-ops-a.yaml", "talos/clusterconfig/talosconfig");
        Assert.Equal(2, refused.Count);
        Assert.All(refused, f => Assert.Equal("secrets/not-ignored", f.Rule));
        Assert.Contains("talos/patches/home-ops-a.yaml", refused[0].Message);
    }

    [Fact]
    public void A_symlinked_directory_out_of_the_repository_is_refused()
    {
        using var elsewhere = new TempDir();
        Directory.CreateDirectory(Path.Combine(Root, "talos"));
        Directory.CreateSymbolicLink(Path.Combine(Root, "talos", "clusterconfig"), elsewhere.Path);
        Commit();
        var refused = Assert.Single(Refusals("talos/clusterconfig/talosconfig"));
        Assert.Equal("secrets/outside-repo", refused.Rule);
    }

    [Fact]
    public void A_target_that_is_itself_a_symlink_is_refused()
    {
        Commit();
        Directory.CreateDirectory(Path.Combine(Root, ".homeops"));
        File.CreateSymbolicLink(Path.Combine(Root, "talsecret.yaml"), ".homeops/bundle.yaml");
        Assert.Equal("secrets/symlink-target", Assert.Single(Refusals("talsecret.yaml")).Rule);
    }

    [Fact]
    public void On_a_case_insensitive_repository_a_tracked_file_differing_only_in_case_is_the_same_file()
    {
        _temp.Write("TalSecret.yaml", "tracked under another case\n");
        Commit();
        Process.Run("git", Root, "config", "core.ignorecase", "true"); // what git init/clone sets on macOS and Windows
        var refused = Assert.Single(Refusals("talsecret.yaml"));
        Assert.Equal("secrets/tracked-target", refused.Rule);
    }

    [Fact]
    public void A_path_git_does_not_ignore_is_refused_even_when_untracked()
    {
        Commit();
        var refused = Assert.Single(Refusals("backups/bundle.yaml"));
        Assert.Equal("secrets/not-ignored", refused.Rule);
        Assert.Contains("`git add -A` would commit it", refused.Message);
    }

    [Fact]
    public void The_staging_directory_must_be_ignored_too()
    {
        File.WriteAllText(Path.Combine(Root, ".gitignore"), "talsecret.yaml\n");
        Commit();
        var refused = Assert.Single(Refusals("talsecret.yaml"));
        Assert.Equal("secrets/not-ignored", refused.Rule);
        Assert.Contains(".homeops/", refused.Message);
    }

    [Fact]
    public void Outside_a_git_repository_there_is_nothing_to_commit_to()
    {
        Assert.Empty(Refusals("talsecret.yaml", "anything/bundle.yaml"));
    }

    [Trait(Category.Name, Category.EndToEnd)]
    [Fact]
    public void An_etcd_snapshot_into_a_committable_directory_is_refused()
    {
        using var h = new OperationsHarness();
        var result = h.Run("", "etcd", "snapshot", "--out", "snapshots/x.db");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Git does not ignore it", result.Stderr);
        Assert.False(Directory.Exists(Path.Combine(h.Root, "snapshots")));
        Assert.Empty(h.MutatingCalls);
    }

    [Trait(Category.Name, Category.EndToEnd)]
    [Fact]
    public void A_killed_gensecret_leaves_no_file_git_would_commit()
    {
        Commit();
        Directory.CreateDirectory(Path.Combine(Root, ".homeops"));
        var created = new System.Collections.Concurrent.ConcurrentBag<string>();
        using (var watcher = new FileSystemWatcher(Root) { IncludeSubdirectories = true, EnableRaisingEvents = true })
        {
            watcher.Created += (_, e) => created.Add(e.FullPath);
            watcher.Renamed += (_, e) => created.Add(e.OldFullPath);
            var result = Process.HomeOps(Root, "talos", "gensecret");
            Assert.True(result.ExitCode == 0, result.Output);
            Thread.Sleep(200); // let the last events arrive
        }
        // every file that existed at any moment, however briefly, is one Git ignores: a kill at any instant leaves nothing committable
        var seen = created.Where(p => !p.Contains("/.git/", StringComparison.Ordinal)).Select(p => Path.GetRelativePath(Root, p)).Distinct().ToList();
        Assert.NotEmpty(seen);
        foreach (var path in seen)
            Assert.True(Process.Run("git", Root, "check-ignore", "-q", "--no-index", "--", path).ExitCode == 0, $"{path} existed during gensecret and Git does not ignore it");
    }
}
