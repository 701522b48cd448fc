using System.Text.Json.Nodes;
using HomeOps.Tests.Support;
using Xunit.Abstractions;

namespace HomeOps.Tests.Validate;

/// <summary>
/// The machine-readable outputs of `homeops validate`, from the real CLI on a repository with an
/// error (duplicate key) and a warning (a file over 8 MiB): the JSON shape scripts depend on, and
/// SARIF 2.1.0 as GitHub code scanning reads it. The SARIF log is also validated against the
/// official SARIF 2.1.0 JSON schema (Support/sarif-schema-2.1.0.json, sarif-2.1.0-rtm.5.json as
/// shipped in the npm package @microsoft/jest-sarif 1.0.0-beta.0) with python3-jsonschema.
/// </summary>
[Trait(Category.Name, Category.EndToEnd)]
public sealed class OutputFormatTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _temp = new();

    private static string SarifSchema => Path.Combine(Repo.Root, "tests", "HomeOps.Tests", "Support", "sarif-schema-2.1.0.json");

    public void Dispose() => _temp.Dispose();

    /// <summary>One error, one warning, one good manifest (two documents), in a Git repository.</summary>
    private string RepoWithFindings()
    {
        _temp.Write("apps/good/app.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: good\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\n  namespace: good\n");
        _temp.Write("apps/bad/duplicate.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n");
        using (var big = new FileStream(_temp.File("apps/bad/big.yaml"), FileMode.Create)) big.SetLength(9L * 1024 * 1024);
        Validation.GitCommitAll(_temp.Path);
        return _temp.Path;
    }

    private ProcessResult Cli(string root, params string[] arguments)
    {
        var result = Process.HomeOps(root, ["validate", ".", "--schema-location", Repo.Schemas, .. arguments]);
        output.WriteLine($"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        return result;
    }

    [Fact]
    public void Json_has_exactly_the_documented_shape()
    {
        var result = Cli(RepoWithFindings(), "--format", "json");
        Assert.Equal(1, result.ExitCode);
        var json = JsonNode.Parse(result.Stdout)!.AsObject();
        Assert.Equal(["diagnostics", "summary"], json.Select(p => p.Key).Order(StringComparer.Ordinal));

        var findings = json["diagnostics"]!.AsArray();
        Assert.NotEmpty(findings);
        foreach (var node in findings)
        {
            var d = node!.AsObject();
            Assert.Equal(["column", "file", "hint", "line", "message", "rule", "severity"], d.Select(p => p.Key).Order(StringComparer.Ordinal));
            Assert.Matches("^[a-z]+/[a-z0-9-]+$", String(d["rule"]));
            Assert.Contains(String(d["severity"]), new[] { "error", "warning", "info" });
            Assert.False(Path.IsPathRooted(String(d["file"])), $"file should be repository-relative: {d["file"]}");
            Assert.InRange(Integer(d["line"]), 0, int.MaxValue);
            Assert.InRange(Integer(d["column"]), 0, int.MaxValue);
            Assert.NotEmpty(String(d["message"]));
            Assert.True(d["hint"] is null || d["hint"]!.GetValueKind() == System.Text.Json.JsonValueKind.String, "hint is a string or null");
        }
        Assert.Contains(findings, d => String(d!["rule"]) == "yaml/duplicate-key" && String(d["file"]) == "apps/bad/duplicate.yaml" && Integer(d["line"]) >= 1
                                          && String(d["severity"]) == "error");
        Assert.Contains(findings, d => String(d!["rule"]) == "repo/file-too-large" && String(d["file"]) == "apps/bad/big.yaml" && String(d["severity"]) == "warning");

        var summary = json["summary"]!.AsObject();
        Assert.Equal(["documents", "durationMs", "errors", "files", "templates", "warnings"], summary.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(3, Integer(summary["files"]));
        Assert.Equal(2, Integer(summary["documents"]));
        Assert.Equal(0, Integer(summary["templates"]));
        Assert.Equal(findings.Count(d => String(d!["severity"]) == "error"), Integer(summary["errors"]));
        Assert.Equal(findings.Count(d => String(d!["severity"]) == "warning"), Integer(summary["warnings"]));
        Assert.InRange(Integer(summary["durationMs"]), 0, int.MaxValue);
    }

    [Fact]
    public void Json_of_a_clean_repository_exits_0()
    {
        _temp.Write("apps/good/app.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\n");
        var result = Cli(_temp.Path, "--format", "json");
        Assert.Equal(0, result.ExitCode);
        var json = JsonNode.Parse(result.Stdout)!;
        Assert.Empty(json["diagnostics"]!.AsArray());
        Assert.Equal(0, Integer(json["summary"]!["errors"]));
        Assert.Equal(1, Integer(json["summary"]!["documents"]));
    }

    [Theory]
    [InlineData("--rule", "no/such-rule")]
    [InlineData("--format", "xml")]
    public void Usage_errors_exit_2(string option, string value)
    {
        var result = Cli(_temp.Path, option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout.Trim());
    }

    [Fact]
    public void Sarif_is_what_github_code_scanning_reads()
    {
        var result = Cli(RepoWithFindings(), "--format", "sarif");
        Assert.Equal(1, result.ExitCode);
        var sarif = JsonNode.Parse(result.Stdout)!.AsObject();
        Assert.Equal("2.1.0", String(sarif["version"]));
        Assert.StartsWith("https://", String(sarif["$schema"]));
        Assert.Contains("sarif", String(sarif["$schema"]));
        var run = Assert.Single(sarif["runs"]!.AsArray())!.AsObject();

        var driver = run["tool"]!["driver"]!.AsObject();
        Assert.Equal("homeops", String(driver["name"]));
        var ruleIds = driver["rules"]!.AsArray().Select(r => String(r!["id"])).ToList();
        Assert.Equal(ruleIds.Count, ruleIds.Distinct().Count());
        Assert.Subset(ruleIds.ToHashSet(), Validation.RuleIds.ToHashSet());
        foreach (var rule in driver["rules"]!.AsArray())
        {
            Assert.NotEmpty(String(rule!["shortDescription"]!["text"]));
            Assert.Contains(String(rule["defaultConfiguration"]!["level"]), new[] { "error", "warning", "note" });
        }

        var results = run["results"]!.AsArray();
        Assert.NotEmpty(results);
        foreach (var node in results)
        {
            var r = node!.AsObject();
            Assert.Contains(String(r["ruleId"]), ruleIds);
            Assert.Contains(String(r["level"]), new[] { "error", "warning", "note" });
            Assert.NotEmpty(String(r["message"]!["text"]));
            var physical = r["locations"]![0]!["physicalLocation"]!;
            var uri = String(physical["artifactLocation"]!["uri"]);
            Assert.False(uri.StartsWith('/') || uri.Contains("://", StringComparison.Ordinal) || uri.Contains('\\') || uri.Split('/').Contains(".."),
                $"artifactLocation.uri must be relative to the repository root: {uri}");
            if (physical["region"] is { } region)
            {
                Assert.True(Integer(region["startLine"]) >= 1, $"startLine {region["startLine"]}");
                if (region["startColumn"] is not null) Assert.True(Integer(region["startColumn"]) >= 1);
            }
        }
        Assert.Contains(results, r => String(r!["ruleId"]) == "yaml/duplicate-key" && String(r["level"]) == "error"
                                      && String(r["locations"]![0]!["physicalLocation"]!["artifactLocation"]!["uri"]) == "apps/bad/duplicate.yaml"
                                      && Integer(r["locations"]![0]!["physicalLocation"]!["region"]!["startLine"]) >= 1);
        Assert.Contains(results, r => String(r!["ruleId"]) == "repo/file-too-large" && String(r["level"]) == "warning");

        AssertValidSarif(result.Stdout);
    }

    /// <summary>Validates against the official schema (draft-04) with python3-jsonschema, which test.sh installs.</summary>
    private void AssertValidSarif(string log)
    {
        var file = _temp.Write("out.sarif", log);
        const string script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            errors = list(jsonschema.Draft4Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
            for e in errors: print(list(e.absolute_path), e.message)
            sys.exit(1 if errors else 0)
            """;
        ProcessResult python;
        try { python = Process.Run("python3", _temp.Path, "-c", script, SarifSchema, file); }
        catch (System.ComponentModel.Win32Exception) { throw new Xunit.Sdk.XunitException("python3 is needed to validate SARIF against its schema: run ./test.sh, which installs it"); }
        Assert.True(python.ExitCode == 0, $"the SARIF log does not validate against the SARIF 2.1.0 schema (python3-jsonschema needed; ./test.sh installs it):\n{python.Output}");
    }

    private static string String(JsonNode? node)
    {
        Assert.True(node is JsonValue && node.GetValueKind() == System.Text.Json.JsonValueKind.String, $"expected a string, got {node?.ToJsonString() ?? "null"}");
        return node!.GetValue<string>();
    }

    private static long Integer(JsonNode? node)
    {
        Assert.True(node is JsonValue && node.GetValueKind() == System.Text.Json.JsonValueKind.Number, $"expected a number, got {node?.ToJsonString() ?? "null"}");
        return node!.GetValue<long>();
    }
}
