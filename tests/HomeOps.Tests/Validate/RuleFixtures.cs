using HomeOps.Adapters.Files;
using HomeOps.Adapters.Schemas;
using HomeOps.Model;
using HomeOps.Tests.Support;
using HomeOps.Validate.Engine;

namespace HomeOps.Tests.Validate;

/// <summary>
/// Runs the validator on the fixture repositories under tests/fixtures/rules/&lt;rule&gt;/{broken,fixed}/,
/// where &lt;rule&gt; is the rule id with '/' written as "__" (e.g. flux__dependency-cycle).
/// Each fixture is a minimal repository (talconfig.yaml, manifests, ...) read from disk as-is.
/// </summary>
public static class RuleFixtures
{
    public static string Directory => Path.Combine(Repo.Root, "tests", "fixtures", "rules");

    public static string PathOf(string rule, string variant) => Path.Combine(Directory, rule.Replace("/", "__"), variant);

    /// <summary>
    /// Files of fixture repositories (relative to tests/fixtures) that hold a plaintext Secret on purpose. Committed, each would be a
    /// secrets/plaintext finding of validate on this repository (no ignore file silences that rule, issue 17), so they live here and
    /// <see cref="Run"/> plants them in a copy of their fixture. "kind: Sec" + "ret" keeps this source file from reading as a Secret.
    /// </summary>
    private static readonly Dictionary<string, (string File, string Text)[]> Planted = new(StringComparer.Ordinal)
    {
        ["rules/secrets__sops-unencrypted/broken"] =
        [
            ("apps/db.sops.yaml", "# .sops.yaml says every apps/*.sops.yaml is encrypted; this one never was.\napiVersion: v1\nkind: Sec" + "ret\n" +
                "metadata:\n  name: db\n  namespace: demo\nstringData:\n  password: correct-horse-battery-staple\n"),
        ],
        ["patterns/sops/broken"] =
        [
            ("apps/settings/settings.sops.yaml", "apiVersion: v1\nkind: Sec" + "ret\nmetadata:\n  name: api-settings\n  namespace: flux-system\n" +
                "stringData:\n  API_HOST: YXBpLmV4YW1wbGUuY29t\n  API_KEY: c2VjcmV0\n"),
        ],
        ["patterns/templates-and-references/broken"] =
        [
            ("apps/grafana-secret.yaml", "# filled by `op inject` before it is applied\napiVersion: v1\nkind: Sec" + "ret\nmetadata:\n  name: grafana-admin\n" +
                "  namespace: observability\nstringData:\n  admin-user: ref+vault://lab/grafana#user\n  admin-password: correct-horse-battery-staple\n" +
                "  cookie-key: ak://lab/grafana/cookie\n"),
        ],
    };

    /// <summary>Every finding of a full run (all rules) over one fixture repository (with its <see cref="Planted"/> files, if any).</summary>
    public static IReadOnlyList<Finding> Run(string root, ValidationSettings? settings = null)
    {
        var fixture = Path.GetRelativePath(Path.Combine(Repo.Root, "tests", "fixtures"), root).Replace('\\', '/');
        if (!Planted.TryGetValue(fixture, out var planted)) return RunOn(root, settings);
        using var copy = new TempDir();
        foreach (var file in System.IO.Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var target = copy.File(Path.GetRelativePath(root, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        foreach (var (file, text) in planted) copy.Write(file, text);
        return RunOn(copy.Path, settings);
    }

    private static IReadOnlyList<Finding> RunOn(string root, ValidationSettings? settings)
    {
        var validator = new Validator(RuleCatalog.All());
        var model = new DiskRepository(new NoGit()).Load(root, new Dictionary<string, string>());
        var schemas = new SchemaStore([Repo.Schemas], Path.Combine(Path.GetTempPath(), "homeops-test-schema-cache"));
        return validator.Run(model, validator.Select([], []), schemas, TimeSpan.Zero, settings, new FixtureCharts(Path.Combine(Repo.Root, "tests", "fixtures", "charts"))).Findings;
    }

    /// <summary>Fixtures are plain directories inside this repository: every file counts, as in a tree without Git.</summary>
    private sealed class NoGit : IGit
    {
        public (IReadOnlyList<string> Files, IReadOnlySet<string> Tracked)? ListFiles(string repositoryRoot) => null;
    }
}

public sealed class RuleFixtureTests
{
    /// <summary>Rules whose broken input cannot live in Git; RobustnessTests create it at run time.</summary>
    private static readonly Dictionary<string, string> MadeAtRunTime = new()
    {
        ["repo/path-escape"] = "a symlink out of the repository",
        ["repo/file-too-large"] = "a file over 8 MiB",
        ["repo/unreadable"] = "a file without read permission",
        // A planted secret in this repository would be reported by validate on it: no ignore file silences the rule (issue 17).
        ["secrets/plaintext"] = "a planted secret (Security/SecretScanCoverageTests)",
    };

    public static TheoryData<string> Rules() => [.. new Validator(RuleCatalog.All()).Rules.Select(r => r.Id).Where(id => !MadeAtRunTime.ContainsKey(id))];

    [Theory]
    [MemberData(nameof(Rules))]
    public void Broken_fixture_fires_the_rule(string rule)
    {
        var root = RuleFixtures.PathOf(rule, "broken");
        Assert.True(System.IO.Directory.Exists(root), $"rule {rule} has no broken fixture: create {Path.GetRelativePath(Repo.Root, root)}/");
        var found = RuleFixtures.Run(root);
        Assert.True(found.Any(d => d.Rule == rule), $"{rule} did not fire on its broken fixture; found:\n{string.Join("\n", found)}");
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void Fixed_fixture_does_not_fire_the_rule(string rule)
    {
        var root = RuleFixtures.PathOf(rule, "fixed");
        Assert.True(System.IO.Directory.Exists(root), $"rule {rule} has no fixed fixture: create {Path.GetRelativePath(Repo.Root, root)}/");
        var found = RuleFixtures.Run(root);
        Assert.DoesNotContain(found, d => d.Rule == rule);
        Assert.DoesNotContain(found, d => d.Rule == "internal/rule-failed");
    }

    [Fact]
    public void Every_fixture_directory_belongs_to_a_rule()
    {
        var ids = new Validator(RuleCatalog.All()).Rules.Select(r => r.Id.Replace("/", "__")).ToHashSet();
        var strays = System.IO.Directory.EnumerateDirectories(RuleFixtures.Directory).Select(Path.GetFileName).Where(d => !ids.Contains(d!)).ToList();
        Assert.True(strays.Count == 0, $"fixtures for unknown rules: {string.Join(", ", strays)}");
    }

    [Fact]
    public void Every_rule_is_documented()
    {
        var docs = File.ReadAllText(Path.Combine(Repo.Root, "docs", "rules.md"));
        var missing = new Validator(RuleCatalog.All()).Rules.Where(r => !docs.Contains($"### `{r.Id}`", StringComparison.Ordinal)).Select(r => r.Id).ToList();
        Assert.True(missing.Count == 0, $"docs/rules.md lacks a '### `id`' section for: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Rule_ids_are_unique_and_well_formed()
    {
        var ids = new Validator(RuleCatalog.All()).Rules.Select(r => r.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches("^[a-z]+/[a-z0-9-]+$", id));
    }
}
