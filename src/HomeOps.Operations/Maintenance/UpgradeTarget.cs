using HomeOps.Compile.Talos.Lines;
using HomeOps.Model;

namespace HomeOps.Operations.Maintenance;

/// <summary>Validation of an upgrade target, pure. What each Talos line supports comes from its data file (Talos/Lines).</summary>
public static class UpgradeTarget
{
    /// <summary>
    /// Null when <paramref name="text"/> is a Talos version (pre-releases included) to upgrade <paramref name="current"/> to; otherwise
    /// why not: a downgrade, a skipped minor line, a line homeops has no data for, a node too old to upgrade from
    /// (the line's MinimumHostUpgradeVersion), or the cluster's <paramref name="kubernetes"/> outside what the new line runs.
    /// </summary>
    public static string? Problem(string text, ReleaseVersion current, out ReleaseVersion target, ReleaseVersion? kubernetes = null)
    {
        if (!ReleaseVersion.TryParse(text, out target) || !text.StartsWith('v'))
            return $"'{text}' is not a Talos release version (expected vMAJOR.MINOR.PATCH, e.g. {current with { Patch = current.Patch + 1, PreRelease = null }})";
        if (StepProblem("Talos", target, current) is { } step) return step;
        if (TalosLines.For(target, out var unknown) is not { } line) return unknown;
        if (current.Line != target.Line && (current with { PreRelease = null }) < line.UpgradeFromMinHost)
            return $"Talos {line.Name} upgrades nodes from {line.UpgradeFromMinHost} on (pkg/machinery/compatibility, {line.File}); the cluster runs {current}";
        if (kubernetes is not null && !line.Kubernetes.Supports(kubernetes))
            return $"Talos {line.Name} runs Kubernetes {line.Kubernetes.Range} and the cluster runs Kubernetes {kubernetes}; " +
                (kubernetes < line.Kubernetes.Min ? $"upgrade Kubernetes to {line.Kubernetes.Min.Line}.x first (`homeops upgrade kubernetes`)" : "pick a Talos line that supports it");
        return null;
    }

    /// <summary>
    /// Null when <paramref name="text"/> (v1.MINOR.PATCH or 1.MINOR.PATCH) is a Kubernetes version to upgrade
    /// <paramref name="current"/> to on a cluster running Talos <paramref name="talos"/>; otherwise why not.
    /// </summary>
    public static string? KubernetesProblem(string text, ReleaseVersion current, ReleaseVersion talos, out ReleaseVersion target)
    {
        if (!ReleaseVersion.TryParse(text, out target) || target.Major != 1 || target.PreRelease is not null)
            return $"'{text}' is not a Kubernetes release version (expected v1.MINOR.PATCH or 1.MINOR.PATCH, e.g. {current with { Patch = current.Patch + 1 }})";
        if (StepProblem("Kubernetes", target, current) is { } step) return step;
        if (TalosLines.For(talos, out var unknown) is not { } line)
            return $"I don't know which Kubernetes versions Talos {talos.Line} supports: {unknown}";
        if (!line.Kubernetes.Supports(target))
            return $"{target} is outside what Talos {line.Name} supports (Kubernetes {line.Kubernetes.Range}); " +
                (target >= line.Kubernetes.MaxExclusive ? "upgrade Talos first (`homeops upgrade talos`)" : "pick a newer Kubernetes");
        return null;
    }

    /// <summary>Both Talos and Kubernetes go forward only, one minor release at a time.</summary>
    private static string? StepProblem(string product, ReleaseVersion target, ReleaseVersion current)
    {
        if (target < current)
            return $"{target} is older than the cluster's {current}: {product} does not support downgrades this way";
        if (target.Major != current.Major || target.Minor > current.Minor + 1)
            return $"{target} skips a release line: {product} upgrades go one minor at a time ({current.Line} → v{current.Major}.{current.Minor + 1}.x first)";
        return null;
    }
}
