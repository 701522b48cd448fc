using HomeOps.Compile.Repository;
using HomeOps.Model;

namespace HomeOps.Validate.Engine;

/// <summary>A rule's stable id (part of the interface, documented in docs/rules.md), severity and one-line purpose.</summary>
public sealed record RuleInfo(string Id, Severity Severity, string Summary);

/// <summary>
/// One concern's checks over the whole repository (like one Flux reconciler per concern). A set may
/// own several rule ids when they share their analysis, e.g. the Flux graph's missing and cyclic edges.
/// Implementations are pure: the model in, findings out through the context.
/// </summary>
public interface IRuleSet
{
    IReadOnlyList<RuleInfo> Rules { get; }

    void Check(RepoModel repo, RuleContext context);
}
