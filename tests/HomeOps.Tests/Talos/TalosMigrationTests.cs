using HomeOps.Adapters.Files;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Operations.Maintenance;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Talos;

/// <summary>
/// Moving the repository across Talos lines (what `homeops upgrade talos VERSION` does before it touches a node): patch files
/// that set fields the new line moves into documents are rewritten, and the result renders for the new line with no legacy
/// field, no error and no schema error; what cannot be rewritten is listed and nothing changes.
/// </summary>
public sealed class TalosMigrationTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private static TalosPlan PlanOf(string root)
    {
        var findings = new FindingBag();
        return TalosCompiler.Plan(new DiskSourceTree(root), "talconfig.yaml", new Dictionary<string, string>(), findings)
            ?? throw new Xunit.Sdk.XunitException(string.Join("\n", findings.Sorted()));
    }

    /// <summary>Plans the migration to <paramref name="version"/>, writes it as the upgrade does at its end, and returns it.</summary>
    private static TalosMigration Migrate(string root, string version)
    {
        var plan = PlanOf(root);
        Assert.True(ReleaseVersion.TryParse(version, out var target));
        var migration = TalosMigration.Plan(plan, target, new DiskSourceTree(root));
        Assert.True(migration.Manual.Count == 0, string.Join("\n", migration.Manual));
        foreach (var edit in migration.Edits) File.WriteAllText(Path.Combine(root, edit.Path), edit.After);
        var talconfig = Path.Combine(root, "talconfig.yaml");
        File.WriteAllText(talconfig, System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(talconfig), @"(?m)^talosVersion:.*$", $"talosVersion: {version}"));
        return migration;
    }

    [Fact]
    public void The_reference_walks_from_1_10_to_1_13_and_passes_check_on_every_line()
    {
        var root = Repo.CopyReference(_temp, git: false);

        var to111 = Migrate(root, "v1.11.5");
        var encryption = Assert.Single(to111.Edits);
        Assert.Equal("talos/patches/encryption.yaml", encryption.Path);
        Assert.Equal(2, encryption.Changes.Count);
        var text = File.ReadAllText(Path.Combine(root, "talos/patches/encryption.yaml"));
        Assert.StartsWith("# System disk encryption", text); // comments kept
        Assert.DoesNotContain("systemDiskEncryption:", text);
        Assert.Contains("---\napiVersion: v1alpha1\nkind: VolumeConfig\nname: STATE\nencryption:\n  provider: luks2\n  keys:\n    - slot: 0\n      nodeID: {}\n", text);
        Assert.Contains("name: EPHEMERAL", text);
        Clean(root, "v1.11");

        var to112 = Migrate(root, "v1.12.11");
        var cluster = Assert.Single(to112.Edits);
        Assert.Equal("talos/patches/cluster.yaml", cluster.Path);
        text = File.ReadAllText(Path.Combine(root, "talos/patches/cluster.yaml"));
        Assert.DoesNotContain("disableSearchDomain", text.Split("---")[0]);
        Assert.DoesNotContain("time:", text.Split("---")[0]);
        Assert.Contains("nodeIP:", text); // the rest of the patch is untouched
        Assert.Contains("kind: ResolverConfig\nsearchDomains:\n  disableDefault: true\n", text);
        Assert.Contains("kind: TimeSyncConfig\nntp:\n  servers:\n    - time.cloudflare.com\n", text);
        Clean(root, "v1.12");

        var to113 = Migrate(root, "v1.13.9");
        Assert.Empty(to113.Edits); // nothing the reference sets moves again in 1.13
        Clean(root, "v1.13");
    }

    /// <summary>`homeops check` on the migrated repository: no finding at all, and every node valid for the line's schema.</summary>
    private static void Clean(string root, string line)
    {
        var result = TalosRendering.Run(root);
        Assert.Equal(line, result.Plan.Line.Name);
        Assert.True(result.Findings.Count == 0, string.Join("\n", result.Findings));
        Assert.True(result.SchemaErrors.Count == 0, string.Join("\n", result.SchemaErrors));
        var check = Process.HomeOps(root, "check", "--schema-location", Repo.Schemas);
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("0 errors, 0 warnings", check.Stdout);
    }

    [Fact]
    public void Within_a_line_nothing_is_rewritten()
    {
        var root = Repo.CopyReference(_temp, git: false);
        Assert.True(ReleaseVersion.TryParse("v1.10.6", out var target));
        Assert.False(TalosMigration.Plan(PlanOf(root), target, new DiskSourceTree(root)).Needed);
    }

    [Fact]
    public void What_cannot_be_rewritten_is_listed_and_nothing_changes()
    {
        var root = Repo.CopyReference(_temp, git: false);
        File.AppendAllText(Path.Combine(root, "talos/patches/usb-ssd.yaml"), "  install:\n    extraKernelArgs:\n      - usb-storage.quirks=04e8:61f5:u\n");
        var talconfig = Path.Combine(root, "talconfig.yaml");
        File.WriteAllText(talconfig, File.ReadAllText(talconfig)
            .Replace("talosVersion: v1.10.5", "talosVersion: v1.11.5", StringComparison.Ordinal)
            .Replace("kubernetesVersion: v1.31.1", "kubernetesVersion: v1.29.10", StringComparison.Ordinal)
            .Replace("    - \"@./talos/patches/encryption.yaml\"\n", "", StringComparison.Ordinal));
        var before = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);
        Assert.True(ReleaseVersion.TryParse("v1.12.0-beta.1", out var target));

        var migration = TalosMigration.Plan(PlanOf(root), target, new DiskSourceTree(root));

        Assert.DoesNotContain(migration.Edits, e => e.Path == "talos/patches/usb-ssd.yaml");
        Assert.Contains(migration.Manual, m => m.Contains("talos/patches/usb-ssd.yaml", StringComparison.Ordinal) && m.Contains("install.extraKernelArgs", StringComparison.Ordinal)
                                               && m.Contains("schematic.customization.extraKernelArgs", StringComparison.Ordinal));
        Assert.Contains(migration.Manual, m => m.Contains("Kubernetes v1.29.10", StringComparison.Ordinal) && m.Contains("Talos v1.12", StringComparison.Ordinal));
        Assert.Equal(before, Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText));
    }

    [Fact]
    public void A_json6902_patch_file_becomes_the_strategic_merge_patch_that_does_the_same_when_configs_become_multi_document()
    {
        // seen in a real repository (Talos 1.11): `op: remove` of admissionControl, which Talos 1.12 refuses on its multi-document configs
        var root = _temp.Path;
        File.WriteAllText(Path.Combine(root, "talconfig.yaml"), """
            clusterName: one
            talosVersion: v1.11.5
            kubernetesVersion: v1.34.1
            endpoint: https://10.0.0.10:6443
            nodes:
              - hostname: node1
                ipAddress: 10.0.0.11
                controlPlane: true
                installDisk: /dev/sda
            controlPlane:
              patches:
                - "@./talos/patches/json6902.yaml"
            """);
        Directory.CreateDirectory(Path.Combine(root, "talos/patches"));
        File.WriteAllText(Path.Combine(root, "talos/patches/json6902.yaml"), """
            # drop the default admission plugins
            - op: remove
              path: /cluster/apiServer/admissionControl
            - op: replace
              path: /machine/install/wipe
              value: true
            """);
        Clean(root, "v1.11");
        var before = TalosRendering.Run(root).Render.Nodes[0].Documents[0];
        Assert.Null(before["cluster"]!["apiServer"]!["admissionControl"]);
        Assert.True(before["machine"]!["install"]!["wipe"]!.GetValue<bool>());

        var to112 = Migrate(root, "v1.12.11");

        var edit = Assert.Single(to112.Edits, e => e.Path == "talos/patches/json6902.yaml");
        Assert.Contains("JSON6902", Assert.Single(edit.Changes));
        Assert.Equal("# drop the default admission plugins\ncluster:\n  apiServer:\n    admissionControl:\n      $$patch: delete\nmachine:\n  install:\n    wipe: true\n",
            File.ReadAllText(Path.Combine(root, "talos/patches/json6902.yaml")));
        Clean(root, "v1.12");
        var after = TalosRendering.Run(root).Render.Nodes[0].Documents[0];
        Assert.Null(after["cluster"]!["apiServer"]!["admissionControl"]);
        Assert.True(after["machine"]!["install"]!["wipe"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("- {op: remove, path: /machine/network/interfaces/0}")]
    [InlineData("- {op: replace, path: /machine/certSANs, value: [a]}")]
    [InlineData("- {op: move, from: /a, path: /b}")]
    [InlineData("- {op: remove, path: /a}\n- {op: add, path: /a/b, value: 1}")]
    public void A_json6902_patch_with_no_exact_strategic_merge_equivalent_is_left_to_the_operator(string operations) =>
        Assert.Null(TalosMigration.StrategicEquivalent(operations));
}
