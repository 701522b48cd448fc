using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Repo;

/// <summary>
/// Rules whose findings come from reading the repository (RepoLoader) and loading talconfig.yaml,
/// because only the reader sees raw bytes and YAML events. The validator passes those findings
/// through (RepoModel.LoadFindings, filtered by --rule/--skip); this set declares their ids so
/// selection, SARIF rule metadata and docs/rules.md treat them like every other rule.
/// </summary>
public sealed class LoadRules : IRuleSet
{
    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new("yaml/syntax", Severity.Error, "A YAML file does not parse (also: binary content where YAML is expected, alias bombs, nesting deeper than 256)."),
        new("yaml/duplicate-key", Severity.Error, "A mapping repeats a key; YAML keeps one of them and which one is tool-dependent."),
        new("repo/path-escape", Severity.Error, "A file or symlink points outside the repository; it is refused, not read."),
        new("repo/file-too-large", Severity.Warning, "A file over 8 MiB; it is not checked."),
        new("repo/unreadable", Severity.Error, "A file that cannot be read (permissions, I/O error)."),
        new("config/schema", Severity.Error, "talconfig.yaml has an unknown or misspelled key, or a value of the wrong type."),
        new("config/deprecated", Severity.Warning, "talconfig.yaml uses a deprecated key."),
        new("config/env-missing", Severity.Error, "talconfig.yaml uses ${VAR} but VAR is unset or empty (environment and .env)."),
        new("config/env-syntax", Severity.Error, "A .env line is not KEY=value."),
        new("talos/config", Severity.Error, "talconfig.yaml is invalid: bad names, versions, nodes or disks."),
    ];

    /// <summary>Nothing to add: the loader already reported these while reading.</summary>
    public void Check(RepoModel repo, RuleContext context) { }
}
