using HomeOps.Model;

namespace HomeOps.Operations.Maintenance;

/// <summary>Validation of an upgrade target, pure.</summary>
public static class UpgradeTarget
{
    /// <summary>Null when <paramref name="text"/> is a Talos version to upgrade <paramref name="current"/> to; otherwise why not.</summary>
    public static string? Problem(string text, ReleaseVersion current, out ReleaseVersion target)
    {
        if (!ReleaseVersion.TryParse(text, out target) || !text.StartsWith('v'))
            return $"'{text}' is not a Talos release version (expected vMAJOR.MINOR.PATCH, e.g. {current with { Patch = current.Patch + 1 }})";
        return StepProblem("Talos", target, current);
    }

    /// <summary>
    /// Null when <paramref name="text"/> (v1.MINOR.PATCH or 1.MINOR.PATCH) is a Kubernetes version to upgrade
    /// <paramref name="current"/> to on a cluster running Talos <paramref name="talos"/>; otherwise why not.
    /// </summary>
    public static string? KubernetesProblem(string text, ReleaseVersion current, ReleaseVersion talos, out ReleaseVersion target)
    {
        if (!ReleaseVersion.TryParse(text, out target) || target.Major != 1)
            return $"'{text}' is not a Kubernetes release version (expected v1.MINOR.PATCH or 1.MINOR.PATCH, e.g. {current with { Patch = current.Patch + 1 }})";
        if (StepProblem("Kubernetes", target, current) is { } step) return step;
        if (!TalosKubernetesSupport.Lines.TryGetValue(talos.Line, out var supported))
            return $"I don't know which Kubernetes versions Talos {talos.Line} supports (known: {string.Join(", ", TalosKubernetesSupport.Lines.Keys)}); " +
                $"check https://www.talos.dev/{talos.Line}/introduction/support-matrix/";
        if (target.Minor < supported.Lowest || target.Minor > supported.Highest)
            return $"{target} is outside what Talos {talos.Line} supports (Kubernetes v1.{supported.Lowest} to v1.{supported.Highest}); " +
                $"upgrade Talos first (`homeops upgrade talos`)";
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
