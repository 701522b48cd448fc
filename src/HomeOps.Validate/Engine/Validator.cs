using System.Diagnostics;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Yaml;
using HomeOps.Validate.Charts;
using HomeOps.Validate.Schema;

namespace HomeOps.Validate.Engine;

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

    public ValidationReport Run(RepoModel repo, IReadOnlySet<string> enabled, ISchemaSource schemas, TimeSpan loadTime, ValidationSettings? settings = null, IChartSource? charts = null)
    {
        var clock = Stopwatch.StartNew();
        using var yaml = YamlBudget.Enter(new YamlBudget()); // rules that re-parse files share one expansion budget
        var sink = new FindingBag();
        var byId = Rules.ToDictionary(r => r.Id);
        foreach (var d in repo.LoadFindings.Where(d => !byId.ContainsKey(d.Rule) || enabled.Contains(d.Rule))) sink.Add(d);
        var context = new RuleContext(byId, enabled, sink, schemas, settings, charts);
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
        // one finding once, however many builds render its document or clusters hold its object; and no finding of
        // any rule may quote a value that came from a variable (a CI secret, a .env entry)
        var substituted = repo.Talos?.Substitutions ?? [];
        return new ValidationReport(sink.Sorted().Distinct().Select(f => Redaction.Apply(f, substituted)).ToList(), repo.Files.Count, repo.Manifests.Count,
            loadTime + clock.Elapsed, timings, repo.Files.Count(f => Templates.IsTemplate(f.Path)));
    }
}
