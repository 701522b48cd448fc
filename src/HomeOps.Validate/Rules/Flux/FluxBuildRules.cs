using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Flux;

/// <summary>
/// What rendering the repository as Flux does found (<see cref="Compile.Flux.FluxModel"/>): a Flux
/// Kustomization whose build fails (kustomize refuses it, so Flux applies nothing of it), a
/// postBuild substitution that fails or uses a variable no source defines, and the parts of a build
/// that are not checked (remote resources, kustomize plugins).
/// </summary>
public sealed class FluxBuildRules : IRuleSet
{
    public const string BuildFailed = "flux/build-failed";
    public const string SubstitutionFailed = "flux/substitution-failed";
    public const string VariableUndefined = "flux/variable-undefined";
    public const string NotChecked = "flux/not-checked";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(BuildFailed, Severity.Error, "A Flux Kustomization's build fails (kustomize refuses it, or Flux refuses its fields): Flux applies nothing of it."),
        new(SubstitutionFailed, Severity.Error, "postBuild substitution fails: an expression Flux cannot parse, a variable name it refuses, or a value that breaks the YAML."),
        new(VariableUndefined, Severity.Warning, "A ${VAR} that no postBuild source of its Flux Kustomization defines; Flux substitutes an empty string."),
        new(NotChecked, Severity.Info, "Part of a build homeops does not render (a remote resource, a kustomize plugin or replacement): what it adds or changes is not checked."),
    ];

    public void Check(RepoModel repo, RuleContext context)
    {
        foreach (var finding in repo.Flux.Findings.Where(f => f.Rule.StartsWith("flux/", StringComparison.Ordinal))) context.Forward(finding);
    }
}
