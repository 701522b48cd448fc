using System.Text.Json;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Init;

/// <summary>`homeops init` through the real CLI: from a spec file, again over an edited repository, and on a terminal.</summary>
[Trait(Category.Name, Category.EndToEnd)]
public sealed class InitCommandTests
{
    private static string Spec(string name) => Path.Combine(Repo.Root, "tests", "fixtures", "init", name);

    private static ProcessResult Init(string directory, params string[] arguments) =>
        Support.Process.HomeOps(directory, ["init", .. arguments, "--schema-location", Repo.Schemas]);

    /// <summary>Per spec: the addresses `bootstrap --dry-run` must show (first node, API endpoint), and whether it waits for BGP.</summary>
    [Theory]
    [InlineData("reference.yaml", "home-ops", "172.29.51.11", "https://172.29.51.10:6443", true)]
    [InlineData("small-ipv4.yaml", "lab", "192.168.5.201", "https://192.168.5.200:6443", false)]
    [InlineData("single-node.yaml", "solo", "10.0.10.10", "https://10.0.10.5:6443", true)]
    public void A_spec_becomes_a_repository_that_checks_clean_and_plans_its_own_bootstrap(string spec, string name, string firstNode, string endpoint, bool bgp)
    {
        using var temp = new TempDir();
        var result = Init(temp.Path, "repo", "--from", Spec(spec));
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("0 errors, 0 warnings", result.Stdout);
        Assert.Contains("result     ok", result.Stdout);
        Assert.Contains("homeops bootstrap --dry-run", result.Stdout);
        Assert.True(File.Exists(Path.Combine(temp.Path, "repo", "cluster-spec.yaml")));

        var plan = Support.Process.HomeOps(Path.Combine(temp.Path, "repo"), ["bootstrap", "--dry-run"]);
        Assert.True(plan.ExitCode == 0, plan.Output);
        Assert.Contains($"bootstrap plan for {name} (dry run: nothing is changed)", plan.Stdout);
        Assert.Contains($"talosctl get machinestatus --nodes {firstNode}", plan.Stdout);
        Assert.Contains($"talosctl bootstrap --nodes {firstNode}", plan.Stdout);
        Assert.Contains($"kubectl apply --server-side -k clusters/{name}/flux-system", plan.Stdout);
        Assert.Equal(bgp, plan.Stdout.Contains("cilium bgp peers", StringComparison.Ordinal));
        Assert.Contains($"endpoint: {endpoint}", File.ReadAllText(Path.Combine(temp.Path, "repo", "talconfig.yaml")));
    }

    /// <summary>The "Next:" lines init prints, run as printed: the secrets they write stay out of Git.</summary>
    [Fact]
    public void The_next_steps_init_prints_work_and_keep_secrets_out_of_git()
    {
        using var temp = new TempDir();
        var repo = Path.Combine(temp.Path, "repo");
        var result = Init(temp.Path, "repo", "--from", Spec("small-ipv4.yaml"));
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("git init && git add -A && git commit", result.Stdout);
        Assert.Contains("homeops talos gensecret", result.Stdout);
        Validation.GitCommitAll(repo);
        Assert.DoesNotContain(Support.Process.Run("git", repo, "ls-files").Stdout.Split('\n'), f => f.StartsWith(".homeops/", StringComparison.Ordinal));

        var secrets = Support.Process.HomeOps(repo, ["talos", "gensecret"]);
        Assert.True(secrets.ExitCode == 0, secrets.Output);
        var configs = Support.Process.HomeOps(repo, ["talos", "genconfig", "--schema-location", Repo.Schemas]);
        Assert.True(configs.ExitCode == 0, configs.Output);
        Assert.True(File.Exists(Path.Combine(repo, "talsecret.yaml")));
        Assert.True(File.Exists(Path.Combine(repo, "talos", "clusterconfig", "talosconfig")));
        // nothing they wrote is something `git add -A` would pick up
        Assert.Equal("", Support.Process.Run("git", repo, "status", "--porcelain").Stdout);
    }

    [Theory]
    [InlineData("small-ipv4.yaml")]
    [InlineData("single-node.yaml")]
    public void A_non_reference_repository_holds_none_of_the_reference_facts(string spec)
    {
        using var temp = new TempDir();
        Assert.Equal(0, Init(temp.Path, "repo", "--from", Spec(spec)).ExitCode);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(temp.Path, "repo"), "*", SearchOption.AllDirectories).Where(f => !f.Contains("/.homeops/", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(file);
            foreach (var fact in new[] { "172.29.", "fd47:", "home-ops", "geoffdavis", "64512", "64513", "homelab", "52.200", "52.201" })
                Assert.False(text.Contains(fact, StringComparison.Ordinal), $"{file} holds the reference's {fact}");
        }
    }

    [Fact]
    public void Running_init_again_keeps_local_edits_and_diff_shows_them()
    {
        using var temp = new TempDir();
        var repo = Path.Combine(temp.Path, "repo");
        Assert.Equal(0, Init(temp.Path, "repo", "--from", Spec("small-ipv4.yaml")).ExitCode);
        var talconfig = Path.Combine(repo, "talconfig.yaml");
        File.AppendAllText(talconfig, "# my note\n");
        var edited = File.ReadAllText(talconfig);

        // A changed spec: the untouched patches follow it, the edited talconfig.yaml is kept.
        var spec = File.ReadAllText(Spec("small-ipv4.yaml")).Replace("nodeCidr: 192.168.5.0/24", "nodeCidr: 192.168.4.0/23", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(repo, "cluster-spec.yaml"), spec);
        var dryRun = Init(repo, ".", "--dry-run");
        Assert.True(dryRun.ExitCode == 0, dryRun.Output);
        Assert.Contains("kept (your edit)       talconfig.yaml", dryRun.Stdout);
        Assert.Contains("would update           talos/patches/cluster.yaml", dryRun.Stdout);
        Assert.Equal(edited, File.ReadAllText(talconfig));

        var diff = Init(repo, ".", "--diff");
        Assert.Contains("--- a/talconfig.yaml", diff.Stdout);
        Assert.Contains("-# my note", diff.Stdout);
        Assert.Contains(diff.Stdout.Split('\n'), line => line.StartsWith('+') && line.EndsWith("- 192.168.4.0/23", StringComparison.Ordinal));

        var again = Init(repo, ".");
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Equal(edited, File.ReadAllText(talconfig));
        Assert.Contains("192.168.4.0/23", File.ReadAllText(Path.Combine(repo, "talos", "patches", "cluster.yaml")), StringComparison.Ordinal);
    }

    [Fact]
    public void Turning_a_component_off_removes_what_init_wrote_for_it()
    {
        using var temp = new TempDir();
        var repo = Path.Combine(temp.Path, "repo");
        Assert.Equal(0, Init(temp.Path, "repo", "--from", Spec("small-ipv4.yaml")).ExitCode);
        Assert.True(File.Exists(Path.Combine(repo, "infrastructure", "monitoring", "helmrelease.yaml")));
        var spec = File.ReadAllText(Spec("small-ipv4.yaml")).Replace("components: { sso: false, cloudflareTunnel: false }", "components: { sso: false, cloudflareTunnel: false, monitoring: false }", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(repo, "cluster-spec.yaml"), spec);
        // a removal shows as git shows a deleted file
        Assert.Contains("--- a/infrastructure/monitoring/helmrelease.yaml\n+++ /dev/null\n", Init(repo, ".", "--diff").Stdout);

        var again = Init(repo, ".");
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains("removed                infrastructure/monitoring/helmrelease.yaml", again.Stdout);
        Assert.False(Directory.Exists(Path.Combine(repo, "infrastructure", "monitoring")));
        Assert.Contains("0 errors, 0 warnings", again.Stdout);
    }

    [Fact]
    public void A_bad_spec_writes_nothing_and_names_the_field()
    {
        using var temp = new TempDir();
        temp.Write("spec.yaml", File.ReadAllText(Spec("small-ipv4.yaml")).Replace("gateway: 192.168.5.1", "gateway: 192.168.6.1", StringComparison.Ordinal));
        var result = Init(temp.Path, "repo", "--from", "spec.yaml");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("spec.yaml:4", result.Stdout + result.Stderr);
        Assert.Contains("gateway 192.168.6.1 is outside the node network 192.168.5.0/24", result.Output);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "repo")) && Directory.EnumerateFileSystemEntries(Path.Combine(temp.Path, "repo")).Any());
    }

    [Fact]
    public void A_directory_init_did_not_write_is_refused()
    {
        using var temp = new TempDir();
        temp.Write("notes.txt", "mine");
        var result = Init(temp.Path, ".", "--from", Spec("small-ipv4.yaml"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not empty (notes.txt)", result.Output);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(temp.Path).Select(Path.GetFileName).Where(n => n != ".cache-test"));
    }

    private static ProcessResult OnTerminal(string directory, IReadOnlyList<string[]> conversation, params string[] more)
    {
        var script = Path.Combine(Repo.Root, "tests", "HomeOps.Tests", "Support", "terminal.py");
        var homeops = Path.Combine(AppContext.BaseDirectory, "homeops.dll");
        return Support.Process.RunWithInput("python3", directory, new Dictionary<string, string> { ["HOMEOPS_OFFLINE"] = "1" }, JsonSerializer.Serialize(conversation),
            [script, "300", "dotnet", homeops, "init", "repo", "--schema-location", Repo.Schemas, .. more]);
    }

    [Fact]
    public void Import_takes_what_talconfig_says_and_asks_only_the_rest()
    {
        using var temp = new TempDir();
        var talconfig = Path.Combine(Repo.Root, "tests", "fixtures", "init", "import", "talconfig.yaml");
        var result = OnTerminal(temp.Path, [
            ["Cluster name [garage]: ", "\r"], ["Internal domain", "garage.example.net\r"], ["Public domain", "\r"],
            ["Node network [10.20.30.0/24]", "\r"], ["Gateway (the router on that network) [10.20.30.1]", "\r"], ["VIP (a free address the control planes share) [10.20.30.40]", "\r"],
            ["gamma install disk", "/dev/nvme0n1\r"], ["BGP", "\r"], ["address pool", "\r"], ["ingress address", "\r"],
            ["Longhorn", "n\r"], ["Prometheus", "\r"], ["1Password vault", "\r"], ["Git repository", "https://github.com/example/garage\r"],
        ], "--import", talconfig);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("nodes from talconfig.yaml: alpha 10.20.30.41, beta 10.20.30.42, gamma 10.20.30.43", result.Stdout);
        Assert.DoesNotContain("How many nodes", result.Stdout);
        Assert.Contains("not imported (the spec has no place for them): patches", result.Stdout); // the terminal shows stderr too
        var spec = File.ReadAllText(Path.Combine(temp.Path, "repo", "cluster-spec.yaml"));
        Assert.Contains("name: garage", spec);
        Assert.Contains("serial: S4EVNX0R123456", spec);
        Assert.Contains("mac: aa:bb:cc:00:00:41", spec);
        Assert.Contains("vlan: 30", spec);
        var talos = File.ReadAllText(Path.Combine(temp.Path, "repo", "talconfig.yaml"));
        Assert.Contains("talosVersion: v1.11.5", talos);
        Assert.Contains("endpoint: https://10.20.30.40:6443", talos);
        // the addresses stay on the VLAN sub-interface they were on
        Assert.Contains("vlanId: 30", talos);
    }

    [Fact]
    public void Import_without_a_terminal_or_with_from_is_refused_and_writes_nothing()
    {
        using var temp = new TempDir();
        var talconfig = Path.Combine(Repo.Root, "tests", "fixtures", "init", "import", "talconfig.yaml");
        var piped = Support.Process.HomeOpsWithInput(temp.Path, [], "", "init", "repo", "--import", talconfig);
        Assert.Equal(2, piped.ExitCode);
        Assert.Contains("no terminal to ask what talconfig.yaml does not say", piped.Stderr);
        var both = Init(temp.Path, "repo", "--import", talconfig, "--from", Spec("small-ipv4.yaml"));
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("--import and --from both give the answers", both.Stderr);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "repo")));
    }

    [Fact]
    public void On_a_terminal_defaults_are_taken_and_a_rejected_answer_is_asked_again()
    {
        using var temp = new TempDir();
        var result = OnTerminal(temp.Path, [
            ["Cluster name [home]: ", "Bad_Name\r"], ["lowercase letters", ""], ["Cluster name [home]: ", "\r"],
            ["Internal domain", "home.example.net\r"], ["Public domain", "\r"], ["Node network [192.168.1.0/24]", "\r"],
            ["Gateway", "192.168.9.1\r"], ["an address inside 192.168.1.0/24", ""], ["Gateway", "\r"],
            ["VIP", "\r"], ["VLAN", "4095\r"], ["a VLAN ID from 1 to 4094", ""], ["VLAN", "20\r"], ["MTU", "\r"],
            ["Pod range [10.244.0.0/16]", "\r"], ["Service range [10.96.0.0/12]", "\r"],
            ["How many nodes [3]", "1\r"], ["Node 1 hostname [node01]", "\r"], ["node01 address [192.168.1.11]", "\r"],
            ["node01 MAC address", "\r"], ["install disk", "\r"], ["BGP", "\r"], ["address pool", "\r"], ["ingress address", "\r"],
            ["Longhorn", "n\r"], ["Prometheus", "\r"], ["1Password vault", "\r"], ["Git repository", "https://github.com/example/home\r"],
        ]);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("result     ok", result.Stdout);
        var spec = File.ReadAllText(Path.Combine(temp.Path, "repo", "cluster-spec.yaml"));
        Assert.Contains("name: home", spec);
        Assert.Contains("gateway: 192.168.1.1", spec);
        Assert.Contains("range: 192.168.1.200-192.168.1.239", spec);
        Assert.Contains("vlan: 20", spec);
        Assert.DoesNotContain("mac:", spec);
    }

    [Fact]
    public void Ctrl_C_on_a_terminal_leaves_nothing_written()
    {
        using var temp = new TempDir();
        var result = OnTerminal(temp.Path, [["Cluster name", "lab\r"], ["Internal domain", "lab.example.net\r"], ["Public domain", "\u0003"]]);
        // 130 either way: homeops' own exit code, or the terminal's SIGINT ending a process blocked reading the terminal
        // (terminal.py reports a signal as 128 + its number); what matters is that nothing was written.
        Assert.True(result.ExitCode == 130, result.Output);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "repo")));
    }
}
