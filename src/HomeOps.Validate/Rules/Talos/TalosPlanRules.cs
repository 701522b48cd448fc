using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Talos;

/// <summary>
/// Rules whose findings come from planning talconfig.yaml (TalosCompiler.Plan, run while the repository loads); the validator
/// passes them through, and this set declares their ids for selection, SARIF metadata and docs/rules.md.
/// </summary>
public sealed class TalosPlanRules : IRuleSet
{
    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new("talos/version", Severity.Error, "talosVersion names a Talos line homeops has no contract for, or kubernetesVersion is one that Talos line does not run."),
        new("config/env-sops", Severity.Warning, "A talenv file is SOPS-encrypted; homeops does not decrypt it, so its variables are not set."),
    ];

    /// <summary>Nothing to add: planning already reported these.</summary>
    public void Check(RepoModel repo, RuleContext context) { }
}
