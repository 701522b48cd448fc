using System.Diagnostics;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Yaml;
using HomeOps.Validate.Schema;

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

/// <summary>Where a rule set reports. Drops findings of rules the run does not include.</summary>
public sealed class RuleContext(IReadOnlyDictionary<string, RuleInfo> rules, IReadOnlySet<string> enabled, FindingBag sink, ISchemaSource schemas)
{
    /// <summary>Where schema documents come from (--schema-location).</summary>
    public ISchemaSource Schemas { get; } = schemas;

    public bool Enabled(string rule) => enabled.Contains(rule);

    /// <param name="severity">Overrides the rule's severity, e.g. a warning when a check could not run.</param>
    public void Report(string rule, SourceLocation at, string message, string? hint = null, Severity? severity = null)
    {
        if (!rules.TryGetValue(rule, out var info)) throw new UnreachableException($"rule {rule} is not declared by any rule set");
        if (enabled.Contains(rule)) sink.Add(new Finding(rule, severity ?? info.Severity, at, message, hint));
    }

    /// <summary>Passes on a finding of a shared compiler step (e.g. Talos rendering), filtered like any other.</summary>
    public void Forward(Finding found)
    {
        if (!rules.ContainsKey(found.Rule) || enabled.Contains(found.Rule)) sink.Add(found);
    }
}

/// <summary>The result of a run: findings plus what the summary reports.</summary>
/// <param name="Timings">Wall time of each rule set, for `validate --timings`.</param>
public sealed record ValidationReport(IReadOnlyList<Finding> Findings, int Files, int Documents, TimeSpan Duration, IReadOnlyDictionary<string, TimeSpan> Timings)
{
    public int Errors => Findings.Count(d => d.Severity == Severity.Error);
    public int Warnings => Findings.Count(d => d.Severity == Severity.Warning);
}

/// <summary>Runs rule sets in parallel over one loaded model, kubeconform-style.</summary>
public sealed class Validator(IReadOnlyList<IRuleSet> ruleSets)
{
    public IReadOnlyList<RuleInfo> Rules { get; } = ruleSets.SelectMany(s => s.Rules).ToList();

    /// <summary>Rule ids a run includes: all, or those named in <paramref name="only"/>, minus <paramref name="skip"/>. Prefixes like "bgp/" match a family.</summary>
    public IReadOnlySet<string> Select(IReadOnlyCollection<string> only, IReadOnlyCollection<string> skip)
    {
        static bool Matches(string id, string pattern) => id == pattern || pattern.EndsWith('/') && id.StartsWith(pattern, StringComparison.Ordinal);
        var unknown = only.Concat(skip).Where(p => !Rules.Any(r => Matches(r.Id, p))).ToList();
        if (unknown.Count > 0)
            throw new HomeOpsException(unknown.Select(u => Finding.Error("usage", SourceLocation.InFile("--rule/--skip"),
                $"unknown rule '{u}'", Hint(u))).ToList());
        return Rules.Select(r => r.Id)
            .Where(id => only.Count == 0 || only.Any(p => Matches(id, p)))
            .Where(id => !skip.Any(p => Matches(id, p)))
            .ToHashSet(StringComparer.Ordinal);
    }

    private string Hint(string unknown) =>
        Suggest.Nearest(unknown, Rules.Select(r => r.Id)) is { } near ? $"did you mean '{near}'? (see docs/rules.md)" : "see docs/rules.md for the rule ids";

    public ValidationReport Run(RepoModel repo, IReadOnlySet<string> enabled, ISchemaSource schemas, TimeSpan loadTime)
    {
        var clock = Stopwatch.StartNew();
        var sink = new FindingBag();
        var byId = Rules.ToDictionary(r => r.Id);
        foreach (var d in repo.LoadFindings.Where(d => !byId.ContainsKey(d.Rule) || enabled.Contains(d.Rule))) sink.Add(d);
        var context = new RuleContext(byId, enabled, sink, schemas);
        var timings = new System.Collections.Concurrent.ConcurrentDictionary<string, TimeSpan>();
        Parallel.ForEach(ruleSets.Where(s => s.Rules.Any(r => enabled.Contains(r.Id))), set =>
        {
            var started = Stopwatch.GetTimestamp();
            // A bug in one rule set must not hide what the others found.
            try { set.Check(repo, context); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                sink.Add(Finding.Error("internal/rule-failed", SourceLocation.InFile("."),
                    $"{set.GetType().Name} failed: {e.GetType().Name}: {e.Message}", "this is a homeops bug; the other rules still ran"));
            }
            timings[set.GetType().Name] = Stopwatch.GetElapsedTime(started);
        });
        return new ValidationReport(sink.Sorted(), repo.Files.Count, repo.Manifests.Count, loadTime + clock.Elapsed, timings);
    }
}
