using System.Text;
using System.Text.Json.Nodes;
using HomeOps.Model;
using HomeOps.Tests.Support;
using Xunit.Abstractions;

namespace HomeOps.Tests.Validate;

/// <summary>
/// Bad input never crashes the validator: each case puts one kind of bad input into a small
/// repository beside a good manifest and an unrelated finding, and checks that the bad input gets
/// its own finding while the good manifest is still loaded and the other finding still reported.
/// Every case runs on a Git repository (files listed by Git) and on a plain directory (walked).
/// </summary>
public sealed class RobustnessTests(ITestOutputHelper output)
{
    /// <summary>Two Kubernetes objects: the summary's document count proves the file was loaded.</summary>
    private const string GoodFile = "apps/good/app.yaml";
    private const string Good = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: good
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: good
          namespace: good
        data:
          greeting: hello
        """;

    /// <summary>A second, independent finding in another file (yaml/duplicate-key) that every run must still report.</summary>
    private const string OtherFile = "apps/other/duplicate.yaml";
    private const string Other = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: other
          name: other-again
        """;

    /// <summary>One repository: &lt;temp&gt;/repo, with &lt;temp&gt;/outside.yaml beside it as the target of escapes.</summary>
    private sealed class Scenario : IDisposable
    {
        private readonly TempDir _temp = new();

        public Scenario()
        {
            Directory.CreateDirectory(Root);
            File.WriteAllText(System.IO.Path.Combine(_temp.Path, "outside.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: outside\n");
            Write(GoodFile, Good);
            Write(OtherFile, Other);
        }

        public string Root => System.IO.Path.Combine(_temp.Path, "repo");

        public string Path(string relative) => System.IO.Path.Combine(Root, relative);

        public string Write(string relative, string text) => WriteBytes(relative, Encoding.UTF8.GetBytes(text));

        public string WriteBytes(string relative, byte[] bytes)
        {
            var full = Path(relative);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, bytes);
            return full;
        }

        public void Symlink(string relative, string target)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path(relative))!);
            File.CreateSymbolicLink(Path(relative), target);
        }

        public void Dispose() => _temp.Dispose();
    }

    /// <summary>The bad inputs: what to write, and the rule and file its finding must name.</summary>
    private static readonly Dictionary<string, (Action<Scenario> Make, string Rule, string File)> Cases = new()
    {
        ["truncated-yaml"] = (s => s.Write("apps/bad/truncated.yaml", Good[..(Good.IndexOf("greeting", StringComparison.Ordinal) + 8)] + ": \"hel"),
            "yaml/syntax", "apps/bad/truncated.yaml"),
        ["truncated-flow"] = (s => s.Write("apps/bad/flow.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, labels: [a, b"),
            "yaml/syntax", "apps/bad/flow.yaml"),
        ["binary-yaml"] = (s => s.WriteBytes("apps/bad/binary.yaml", Binary()), "yaml/syntax", "apps/bad/binary.yaml"),
        ["alias-bomb"] = (s => s.Write("apps/bad/bomb.yaml", AliasBomb()), "yaml/syntax", "apps/bad/bomb.yaml"),
        ["deep-flow"] = (s => s.Write("apps/bad/deep-flow.yaml", "a: " + new string('[', 100_000) + new string(']', 100_000) + "\n"),
            "yaml/syntax", "apps/bad/deep-flow.yaml"),
        ["deep-block"] = (s => s.Write("apps/bad/deep-block.yaml", string.Concat(Enumerable.Range(0, 2_000).Select(i => new string(' ', i) + $"k{i}:\n")) + new string(' ', 2_000) + "x: 1\n"),
            "yaml/syntax", "apps/bad/deep-block.yaml"),
        // Block nesting without indentation: one line, 50 000 levels (overflowed YamlDotNet's recursive loader).
        ["deep-dashes"] = (s => s.Write("apps/bad/deep-dashes.yaml", string.Concat(Enumerable.Repeat("- ", 50_000)) + "x\n"),
            "yaml/syntax", "apps/bad/deep-dashes.yaml"),
        ["deep-complex-keys"] = (s => s.Write("apps/bad/deep-keys.yaml", string.Concat(Enumerable.Repeat("? ", 50_000)) + "x\n"),
            "yaml/syntax", "apps/bad/deep-keys.yaml"),
        // Each level only one line deep as written, 300 levels once aliases are expanded.
        ["alias-chain"] = (s => s.Write("apps/bad/alias-chain.yaml", "a0: &a0 [x]\n" + string.Concat(Enumerable.Range(1, 300).Select(i => $"a{i}: &a{i} [*a{i - 1}]\n"))),
            "yaml/syntax", "apps/bad/alias-chain.yaml"),
        ["file-50mb"] = (s => Sparse(s.Path("apps/bad/huge.yaml"), 50L * 1024 * 1024), "repo/file-too-large", "apps/bad/huge.yaml"),
        ["symlink-to-etc"] = (s => s.Symlink("apps/bad/hostname.yaml", "/etc/hostname"), "repo/path-escape", "apps/bad/hostname.yaml"),
        ["symlink-to-parent"] = (s => s.Symlink("apps/bad/outside.yaml", "../../../outside.yaml"), "repo/path-escape", "apps/bad/outside.yaml"),
        ["symlink-dir-to-parent"] = (s => s.Symlink("apps/escape", "../.."), "repo/path-escape", "apps/escape"),
        // ELOOP used to escape the loader as an AggregateException (exit 2).
        ["symlink-loop"] = (s => s.Symlink("apps/bad/loop.yaml", "loop.yaml"), "repo/unreadable", "apps/bad/loop.yaml"),
        ["symlink-dangling"] = (s => s.Symlink("apps/bad/dangling.yaml", "gone.yaml"), "repo/unreadable", "apps/bad/dangling.yaml"),
    };

    public static TheoryData<string, bool> All()
    {
        var data = new TheoryData<string, bool>();
        foreach (var name in Cases.Keys)
        {
            data.Add(name, true);
            data.Add(name, false);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Bad_input_gets_a_diagnostic_and_the_rest_is_still_checked(string name, bool git)
    {
        using var s = new Scenario();
        var (make, rule, file) = Cases[name];
        make(s);
        if (git) Validation.GitCommitAll(s.Root);
        var report = Validation.Run(s.Root);
        AssertReport(report.Findings.Select(d => (d.Rule, d.Location.File, d.Severity)).ToList(), report.Documents, rule, file);
    }

    /// <summary>The same through the real CLI: exit 1 (errors, never 2 or a crash), JSON on stdout.</summary>
    [Trait(Category.Name, Category.EndToEnd)]
    [Theory]
    [InlineData("truncated-yaml", true)]
    [InlineData("binary-yaml", false)]
    [InlineData("alias-bomb", true)]
    [InlineData("deep-dashes", false)]
    [InlineData("file-50mb", false)]
    [InlineData("symlink-to-etc", true)]
    [InlineData("symlink-to-parent", false)]
    [InlineData("symlink-loop", false)]
    public void Bad_input_through_the_cli(string name, bool git)
    {
        using var s = new Scenario();
        var (make, rule, file) = Cases[name];
        make(s);
        if (git) Validation.GitCommitAll(s.Root);
        var (exit, json, stderr) = Validation.Cli(s.Root);
        Assert.True(exit == 1, $"exit {exit}, expected 1 (errors found); stderr:\n{stderr}");
        var findings = json["diagnostics"]!.AsArray()
            .Select(d => (d!["rule"]!.GetValue<string>(), d["file"]!.GetValue<string>(), Enum.Parse<Severity>(d["severity"]!.GetValue<string>(), ignoreCase: true)))
            .ToList();
        AssertReport(findings, json["summary"]!["documents"]!.GetValue<int>(), rule, file);
    }

    private void AssertReport(IReadOnlyList<(string Rule, string File, Severity Severity)> findings, int documents, string rule, string file)
    {
        var all = string.Join("\n", findings);
        output.WriteLine(all);
        Assert.DoesNotContain(findings, d => d.Rule == "internal/rule-failed");
        Assert.True(findings.Any(d => d.Rule == rule && d.File == file), $"expected {rule} on {file}; found:\n{all}");
        Assert.True(findings.Any(d => d.Rule == "yaml/duplicate-key" && d.File == OtherFile), $"the unrelated finding in {OtherFile} is missing; found:\n{all}");
        Assert.True(documents == 2, $"the good manifest's 2 documents were not all loaded ({documents})");
    }

    /// <summary>
    /// A file or a directory the user cannot read is a finding, and the rest is still checked. Root reads anything whatever
    /// its mode, so when the tests run as root (as CI does) the CLI runs as the unprivileged user nobody (setpriv), on a
    /// scenario made world-readable but for the locked entry.
    /// </summary>
    [Trait(Category.Name, Category.EndToEnd)]
    [Theory]
    [InlineData(true, "apps/bad/secret.yaml")]
    [InlineData(false, "apps/bad/secret.yaml")]
    [InlineData(false, "apps/locked")]
    public void Unreadable_entries_are_reported(bool git, string locked)
    {
        using var s = new Scenario();
        s.Write(locked.EndsWith(".yaml", StringComparison.Ordinal) ? locked : $"{locked}/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: locked\n");
        if (git) Validation.GitCommitAll(s.Root);
        var root = Environment.UserName == "root" || Process.Run("id", s.Root, "-u").Stdout.Trim() == "0";
        if (root) OpenToOthers(System.IO.Path.GetDirectoryName(s.Root)!);
        File.SetUnixFileMode(s.Path(locked), UnixFileMode.None);
        var result = root
            ? Process.Run("setpriv", s.Root, new Dictionary<string, string> { ["HOME"] = "/tmp", ["DOTNET_CLI_HOME"] = "/tmp", ["HOMEOPS_OFFLINE"] = "1" },
                ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "dotnet", System.IO.Path.Combine(AppContext.BaseDirectory, "homeops.dll"),
                 "validate", "--format", "json", "--schema-location", Repo.Schemas])
            : Process.HomeOps(s.Root, "validate", "--format", "json", "--schema-location", Repo.Schemas);
        var json = JsonNode.Parse(result.Stdout)?.AsObject() ?? throw new Xunit.Sdk.XunitException($"no JSON (exit {result.ExitCode}): {result.Stderr}");
        var findings = json["diagnostics"]!.AsArray()
            .Select(d => (d!["rule"]!.GetValue<string>(), d["file"]!.GetValue<string>(), Enum.Parse<Severity>(d["severity"]!.GetValue<string>(), ignoreCase: true)))
            .ToList();
        Assert.Equal(1, result.ExitCode);
        AssertReport(findings, json["summary"]!["documents"]!.GetValue<int>(), "repo/unreadable", locked);
    }

    private static void OpenToOthers(string directory)
    {
        const UnixFileMode open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead |
                                  UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(directory, open);
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories))
            File.SetUnixFileMode(entry, Directory.Exists(entry) ? open : open & ~(UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute));
    }

    /// <summary>A named pipe has no content; opening it would block until a writer comes (it hung the walk of plain directories).</summary>
    [Fact]
    public async Task Named_pipe_does_not_hang_the_walk()
    {
        using var s = new Scenario();
        Assert.Equal(0, Process.Run("mkfifo", s.Root, "apps/good/pipe.yaml").ExitCode);
        var run = Task.Run(() => Validation.Run(s.Root));
        Assert.True(await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60))) == run, "validate hung on a named pipe");
        var report = await run;
        Assert.Equal(2, report.Documents);
        Assert.Contains(report.Findings, d => d.Rule == "yaml/duplicate-key");
    }

    /// <summary>A symlink to a directory inside the repository is not a file: no finding (it used to be a repo/unreadable error), and its files are read once, at their own path.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Symlink_to_a_directory_inside_is_not_an_error(bool git)
    {
        using var s = new Scenario();
        s.Symlink("apps/alias", "good");
        if (git) Validation.GitCommitAll(s.Root);
        var report = Validation.Run(s.Root);
        Assert.DoesNotContain(report.Findings, d => d.Location.File.StartsWith("apps/alias", StringComparison.Ordinal));
        Assert.Equal(2, report.Documents);
    }

    /// <summary>Text that is not UTF-8 (no NUL byte, so not "binary"): read with replacement characters, never a crash.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Invalid_utf8_is_read_without_crashing(bool git)
    {
        using var s = new Scenario();
        s.WriteBytes("apps/bad/latin1.yaml", [.. "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf"u8, 0xE9, 0xFF, 0xC3, 0x28, (byte)'\n']);
        if (git) Validation.GitCommitAll(s.Root);
        var report = Validation.Run(s.Root);
        Assert.DoesNotContain(report.Findings, d => d.Rule == "internal/rule-failed");
        Assert.Contains(report.Findings, d => d.Rule == "yaml/duplicate-key" && d.Location.File == OtherFile);
        Assert.InRange(report.Documents, 2, 3);
    }

    /// <summary>
    /// Flux paths that leave the repository: a Kustomization's spec.path and a kustomization.yaml
    /// resource of ../../outside. No crash, the rest is checked; which rule reports the escape
    /// depends on the Flux rules (flux/path-missing, flux/kustomize-resource-missing), asserted once they exist.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Flux_paths_that_escape_the_repository(bool git)
    {
        using var s = new Scenario();
        s.Write("clusters/home-ops/escape.yaml", """
            apiVersion: kustomize.toolkit.fluxcd.io/v1
            kind: Kustomization
            metadata:
              name: escape
              namespace: flux-system
            spec:
              interval: 10m
              path: ../../outside
              prune: true
              sourceRef:
                kind: GitRepository
                name: flux-system
            """);
        s.Write("apps/escape/kustomization.yaml", """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
              - ../../../outside.yaml
              - ../../outside
            """);
        if (git) Validation.GitCommitAll(s.Root);
        var report = Validation.Run(s.Root);
        var all = string.Join("\n", report.Findings);
        output.WriteLine(all);
        Assert.DoesNotContain(report.Findings, d => d.Rule == "internal/rule-failed");
        Assert.Contains(report.Findings, d => d.Rule == "yaml/duplicate-key" && d.Location.File == OtherFile);
        Assert.Equal(4, report.Documents);
        string[] escapeRules = ["repo/path-escape", "flux/path-missing", "flux/kustomize-resource-missing"];
        if (Validation.RuleIds.Contains("flux/path-missing"))
            Assert.True(report.Findings.Any(d => escapeRules.Contains(d.Rule) && d.Location.File == "clusters/home-ops/escape.yaml"), $"spec.path ../../outside not reported:\n{all}");
        else output.WriteLine("flux/path-missing is not in this build: spec.path escaping the repository is not reported yet");
        if (Validation.RuleIds.Contains("flux/kustomize-resource-missing"))
            Assert.True(report.Findings.Any(d => escapeRules.Contains(d.Rule) && d.Location.File == "apps/escape/kustomization.yaml"), $"resource ../../outside not reported:\n{all}");
        else output.WriteLine("flux/kustomize-resource-missing is not in this build: kustomization resources escaping the repository are not reported yet");
    }

    /// <summary>A talconfig patch that names a file outside the repository is a talos/patch finding; nothing outside is read.</summary>
    [Fact]
    public void Talos_patch_outside_the_repository_is_refused()
    {
        using var temp = new TempDir();
        var root = Repo.CopyReference(temp, git: false);
        File.WriteAllText(Path.Combine(temp.Path, "..", $"{Path.GetFileName(temp.Path)}-outside.yaml"), "machine:\n  network:\n    hostname: stolen\n");
        var talconfig = Path.Combine(root, "talconfig.yaml");
        File.WriteAllText(talconfig, File.ReadAllText(talconfig).Replace("@./talos/patches/cluster.yaml", $"@../{Path.GetFileName(temp.Path)}-outside.yaml"));
        try
        {
            Assert.Contains($"@../{Path.GetFileName(temp.Path)}-outside.yaml", File.ReadAllText(talconfig));
            var report = Validation.Run(root);
            output.WriteLine(string.Join("\n", report.Findings));
            Assert.DoesNotContain(report.Findings, d => d.Rule == "internal/rule-failed");
            Assert.Contains(report.Findings, d => d.Rule == "talos/patch" && d.Location.File == "talconfig.yaml");
        }
        finally { File.Delete(Path.Combine(temp.Path, "..", $"{Path.GetFileName(temp.Path)}-outside.yaml")); }
    }

    /// <summary>Indexing a non-object metadata threw inside the loader (AggregateException, exit 2); now the schema rule reports it.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Metadata_that_is_not_a_mapping(bool git)
    {
        using var s = new Scenario();
        s.Write("apps/bad/metadata.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: [a]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: x\ndata: 5\n");
        if (git) Validation.GitCommitAll(s.Root);
        var report = Validation.Run(s.Root);
        output.WriteLine(string.Join("\n", report.Findings));
        Assert.DoesNotContain(report.Findings, d => d.Rule == "internal/rule-failed");
        Assert.Contains(report.Findings, d => d.Location.File == "apps/bad/metadata.yaml" && d.Severity == Severity.Error);
        Assert.Contains(report.Findings, d => d.Rule == "yaml/duplicate-key" && d.Location.File == OtherFile);
        Assert.Equal(4, report.Documents);
    }

    /// <summary>A broken manifest does not switch off the Talos checks (the loader's shared findings used to drop the Talos plan).</summary>
    [Fact]
    public void Talos_checks_still_run_beside_a_broken_manifest()
    {
        using var temp = new TempDir();
        var root = Repo.CopyReference(temp, git: false);
        File.Delete(Path.Combine(root, "talos", "patches", "usb-ssd.yaml"));
        temp.Write("apps/bad/truncated.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [");
        var report = Validation.Run(root);
        output.WriteLine(string.Join("\n", report.Findings));
        Assert.Contains(report.Findings, d => d.Rule == "yaml/syntax" && d.Location.File == "apps/bad/truncated.yaml");
        Assert.Contains(report.Findings, d => d.Rule == "talos/patch" && d.Message.Contains("usb-ssd.yaml", StringComparison.Ordinal));
    }

    /// <summary>
    /// A Talos patch nested deeper than System.Text.Json's default writer depth (64) but within the
    /// YAML limit (256): a schema finding, not a crashed rule.
    /// </summary>
    [Fact]
    public void Deep_but_allowed_talos_patch_does_not_crash_a_rule()
    {
        using var temp = new TempDir();
        var root = Repo.CopyReference(temp, git: false);
        var deep = string.Concat(Enumerable.Range(0, 100).Select(i => new string(' ', 2 * (i + 2)) + $"k{i}:\n")) + new string(' ', 204) + "leaf: 1\n";
        File.AppendAllText(Path.Combine(root, "talos", "patches", "cluster.yaml"), "\n---\nmachine:\n  nodeLabels:\n" + deep);
        var report = Validation.Run(root);
        output.WriteLine(string.Join("\n", report.Findings));
        Assert.DoesNotContain(report.Findings, d => d.Rule == "internal/rule-failed");
    }

    private static void Sparse(string path, long length)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.Write("apiVersion: v1\nkind: ConfigMap\n"u8);
        file.SetLength(length);
    }

    private static byte[] Binary()
    {
        var random = new Random(7);
        var bytes = new byte[4096];
        random.NextBytes(bytes);
        "apiVersion: v1\n"u8.CopyTo(bytes);
        bytes[100] = 0;
        return bytes;
    }

    /// <summary>"Billion laughs": 9 levels of 9 aliases each, 9^9 nodes when expanded.</summary>
    private static string AliasBomb()
    {
        var b = new StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a0: &a0 lol\n");
        for (var level = 1; level <= 9; level++)
            b.Append($"  a{level}: &a{level} [{string.Join(", ", Enumerable.Repeat($"*a{level - 1}", 9))}]\n");
        return b.ToString();
    }
}
