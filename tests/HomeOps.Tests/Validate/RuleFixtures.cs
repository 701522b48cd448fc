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

    /// <summary>Every finding of a full run (all rules) over one fixture repository.</summary>
    public static IReadOnlyList<Finding> Run(string root)
    {
        var validator = new Validator(RuleCatalog.All());
        var model = new DiskRepository(new NoGit()).Load(root, new Dictionary<string, string>());
        var schemas = new SchemaStore([Repo.Schemas], Path.Combine(Path.GetTempPath(), "homeops-test-schema-cache"));
        return validator.Run(model, validator.Select([], []), schemas, TimeSpan.Zero).Findings;
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
