using System.Diagnostics;
using HomeOps.Model;
using HomeOps.Validate.Charts;
using HomeOps.Validate.Schema;

namespace HomeOps.Validate.Engine;

/// <summary>Where a rule set reports. Drops findings of rules the run does not include.</summary>
public sealed class RuleContext(IReadOnlyDictionary<string, RuleInfo> rules, IReadOnlySet<string> enabled, FindingBag sink, ISchemaSource schemas, ValidationSettings? settings = null, IChartSource? charts = null)
{
    /// <summary>What the run was told (--kubernetes-version).</summary>
    public ValidationSettings Settings { get; } = settings ?? ValidationSettings.Default;

    /// <summary>Where schema documents come from (--schema-location).</summary>
    public ISchemaSource Schemas { get; } = schemas;

    /// <summary>The packaged charts `homeops charts pull` cached (none: <see cref="NoCharts"/>).</summary>
    public IChartSource Charts { get; } = charts ?? NoCharts.Instance;

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
