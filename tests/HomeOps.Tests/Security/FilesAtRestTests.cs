using HomeOps.Adapters.Files;
using HomeOps.Operations.Bootstrap;
using HomeOps.Operations.Bootstrap.Phases;
using HomeOps.Tests.Bootstrap;
using HomeOps.Tests.Operations;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Security;

/// <summary>
/// Issue 17, item 9: homeops' files are private from the moment they exist (0700 directories, 0600 files, whatever the
/// umask), writes are atomic and never go through a symlink, and bootstrap keeps its state and log in .homeops/ only.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FilesAtRestTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = Private | UnixFileMode.UserExecute;

    [Fact]
    public void State_log_lock_and_helm_values_are_created_private()
    {
        using var temp = new TempDir();
        new StateFile(temp.File(".homeops/bootstrap-state.json")).Save(new BootstrapState { RunId = "r" });
        using (var log = new EventLogFile(temp.File(".homeops/bootstrap.log"))) log.Emit(new BootstrapEvent(DateTimeOffset.UnixEpoch, "r", EventKind.RunStarted));
        using (RunLock.Acquire(temp.File(".homeops/cluster.lock"), "test")) { }
        new DiskWorkspace(temp.Path, new Validation.NoGit()).WritePrivate(".homeops/helm/cilium-values.yaml", "a: 1\n");

        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(temp.File(".homeops")));
        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(temp.File(".homeops/helm")));
        foreach (var file in new[] { "bootstrap-state.json", "bootstrap.log", "cluster.lock", "cluster.lock.pid", "helm/cilium-values.yaml" })
            Assert.True(File.GetUnixFileMode(temp.File($".homeops/{file}")) == Private, $"{file}: {File.GetUnixFileMode(temp.File($".homeops/{file}"))}");
        Assert.Empty(Directory.GetFiles(temp.File(".homeops"), "*.tmp", SearchOption.AllDirectories));
    }

    [Trait(Category.Name, Category.EndToEnd)]
    [Fact]
    public void The_runtime_directory_is_private_even_under_a_permissive_umask()
    {
        using var h = new OperationsHarness();
        var environment = h.StandIns.Environment.ToDictionary();
        environment["HOMEOPS_OFFLINE"] = "1";
        var result = Process.Run("sh", h.Root, environment, "-c", "umask 000; exec dotnet \"$0\" etcd snapshot", Path.Combine(AppContext.BaseDirectory, "homeops.dll"));
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(Path.Combine(h.Root, ".homeops")));
        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(Path.Combine(h.Root, ".homeops", "etcd")));
        foreach (var file in Directory.GetFiles(Path.Combine(h.Root, ".homeops"), "*", SearchOption.AllDirectories))
            Assert.True(File.GetUnixFileMode(file) == Private, $"{file}: {File.GetUnixFileMode(file)}");
    }

    [Fact]
    public async Task The_kubeconfig_is_private_before_the_tool_writes_it()
    {
        using var h = new BootstrapHarness();
        var context = h.Context();
        // the fake talosctl writes the way a tool does with the default umask (0644, directory 0755): only what homeops prepared keeps it private
        await new KubeconfigPhase().RunAsync(context, CancellationToken.None);
        Assert.Equal(Private, File.GetUnixFileMode(context.Kubeconfig));
        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(Path.GetDirectoryName(context.Kubeconfig)!));
    }

    [Fact]
    public void Talconfig_is_replaced_atomically_keeping_its_mode()
    {
        using var temp = new TempDir();
        var path = temp.Write("talconfig.yaml", "talosVersion: v1.10.5\n");
        File.SetUnixFileMode(path, Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var before = Inode(path);
        new DiskWorkspace(temp.Path, new Validation.NoGit()).ReplaceText("talconfig.yaml", "talosVersion: v1.10.6\n");
        Assert.Equal("talosVersion: v1.10.6\n", File.ReadAllText(path));
        Assert.NotEqual(before, Inode(path)); // a new file renamed into place, not the old one rewritten
        Assert.Equal(Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void Talconfig_is_never_written_through_a_symlink()
    {
        using var temp = new TempDir();
        var target = temp.Write("clusters/home/talconfig.yaml", "talosVersion: v1.10.5\n");
        File.CreateSymbolicLink(temp.File("talconfig.yaml"), "clusters/home/talconfig.yaml");
        var error = Assert.Throws<HomeOps.Model.HomeOpsException>(() =>
            new DiskWorkspace(temp.Path, new Validation.NoGit()).ReplaceText("talconfig.yaml", "talosVersion: v1.10.6\n"));
        Assert.Contains("symlink", error.Findings[0].Message);
        Assert.Equal("talosVersion: v1.10.5\n", File.ReadAllText(target));
        Assert.True(SafeFiles.IsSymlink(temp.File("talconfig.yaml")));
    }

    [Trait(Category.Name, Category.EndToEnd)]
    [Theory]
    [InlineData("file", "/tmp/homeops-state-elsewhere.json")]
    [InlineData("log", "../bootstrap.log")]
    [InlineData("file", "bootstrap-state.json")]
    public void Bootstrap_keeps_its_state_and_log_in_the_ignored_runtime_directory(string key, string path)
    {
        using var h = new BootstrapHarness();
        var config = Path.Combine(h.Root, "bootstrap-config.yaml");
        var text = File.ReadAllText(config);
        var line = key == "file" ? "  file: .homeops/bootstrap-state.json" : "  log: .homeops/bootstrap.log";
        Assert.Contains(line, text);
        File.WriteAllText(config, text.Replace(line, $"  {key}: {path}"));
        var result = Process.HomeOps(h.Root, "bootstrap", "--dry-run", "--schema-location", Repo.Schemas);
        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains("bootstrap/state-path", result.Stderr);
        Assert.Contains("outside the repository's .homeops/", result.Stderr);
    }

    private static string Inode(string path) => Process.Run("stat", Path.GetDirectoryName(path)!, "-c", "%i", path).Stdout.Trim();
}
