using System.Text.Json.Nodes;
using HomeOps.Adapters.Files;
using HomeOps.Adapters.Schemas;
using HomeOps.Validate.Engine;

namespace HomeOps.Tests.Support;

/// <summary>Runs `homeops validate` in process (loader + every rule) or through the real CLI.</summary>
public static class Validation
{
    private static readonly Lazy<SchemaStore> Schemas = new(() =>
        new SchemaStore([Repo.Schemas], Path.Combine(Path.GetTempPath(), "homeops-test-schema-cache")));

    /// <summary>A full run with every rule, as the CLI does: Git's file list when <paramref name="root"/> is a repository, a directory walk otherwise.</summary>
    public static ValidationReport Run(string root, IDictionary<string, string>? environment = null, IGit? git = null)
    {
        var validator = new Validator(RuleCatalog.All());
        var model = new DiskRepository(git ?? new GitCli()).Load(root, new Dictionary<string, string>(environment ?? new Dictionary<string, string>()));
        return validator.Run(model, validator.Select([], []), Schemas.Value, TimeSpan.Zero);
    }

    /// <summary>Rule ids every rule set declares (the catalog of this build).</summary>
    public static IReadOnlySet<string> RuleIds { get; } = new Validator(RuleCatalog.All()).Rules.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);

    /// <summary>`homeops validate . --format json` in <paramref name="root"/>: the exit code and the parsed document.</summary>
    public static (int ExitCode, JsonObject Json, string Stderr) Cli(string root, params string[] extra)
    {
        var result = Process.HomeOps(root, ["validate", ".", "--format", "json", "--schema-location", Repo.Schemas, .. extra]);
        JsonObject json;
        try { json = JsonNode.Parse(result.Stdout)!.AsObject(); }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NullReferenceException)
        {
            throw new Xunit.Sdk.XunitException($"validate did not print JSON (exit {result.ExitCode}): {e.Message}\nstdout:\n{result.Stdout}\nstderr:\n{result.Stderr}");
        }
        return (result.ExitCode, json, result.Stderr);
    }

    /// <summary>Every file counts, as in a tree without Git (and no git process per run).</summary>
    public sealed class NoGit : IGit
    {
        public (IReadOnlyList<string> Files, IReadOnlySet<string> Tracked)? ListFiles(string repositoryRoot) => null;
    }

    /// <summary>A Git repository of everything in <paramref name="root"/>, committed.</summary>
    public static void GitCommitAll(string root)
    {
        Process.Run("git", root, "init", "-q");
        Process.Run("git", root, "add", "-A");
        var commit = Process.Run("git", root, "-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "-qm", "test", "--allow-empty");
        if (commit.ExitCode != 0) throw new InvalidOperationException($"git commit failed: {commit.Output}");
    }
}
