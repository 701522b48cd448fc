using System.Text.RegularExpressions;
using HomeOps.Compile.Bootstrap;
using HomeOps.Model;
using HomeOps.Operations.Bootstrap.Phases;

namespace HomeOps.Operations.Bootstrap;

/// <summary>
/// Judges an installed tool against bootstrap-config.yaml's version matrix: the row for the version of the component the
/// repository pins, and whether the tool's version is one of the row's. Every message names the tool, the version found,
/// what the matrix accepts and the version to install.
/// </summary>
public static partial class ToolVersions
{
    [GeneratedRegex(@"\d+\.\d+\.\d+")]
    private static partial Regex Semver();

    /// <summary>The pinned version of <paramref name="component"/> (talos, kubernetes, flux, cilium) as the repository states it; null when it states none.</summary>
    public static ReleaseVersion? Component(BootstrapContext context, string component) => component switch
    {
        "talos" => context.Talos.Talos,
        "kubernetes" => context.Talos.Kubernetes,
        "flux" => ReleaseVersion.TryParse(context.Plan.Config.Flux.Version, out var flux) ? flux : null,
        "cilium" => new HelmInstallPhase("cilium").Planned(context).FirstOrDefault(i => i.Chart == "cilium") is { } install
                    && ReleaseVersion.TryParse(install.Version, out var cilium) ? cilium : null,
        _ => null,
    };

    /// <summary>"Talos v1.10.5", or "" for a tool that depends on no component.</summary>
    public static string ComponentName(ToolPolicy policy, ReleaseVersion? version) =>
        policy.Against is { } against ? $"{ToolPolicy.Components.GetValueOrDefault(against, against)} {version?.ToString() ?? "(version not pinned)"}" : "";

    /// <summary>What the matrix accepts for <paramref name="policy"/> in this repository, for plans: "v1.10.x or v1.11.x (with Talos v1.10.5)".</summary>
    public static string Accepted(BootstrapContext context, ToolPolicy policy)
    {
        var component = policy.Against is { } against ? Component(context, against) : null;
        var row = policy.RowFor(component);
        var with = policy.Against is null ? "" : $" with {ComponentName(policy, component)}";
        return row is null ? $"no row{with} in bootstrap-config.yaml" : $"{ToolPolicy.Describe(row)}{with}";
    }

    /// <summary>
    /// What is wrong with <paramref name="policy"/>'s tool at <paramref name="found"/> (null: not on PATH); null when the
    /// matrix accepts it.
    /// </summary>
    public static string? Problem(BootstrapContext context, ToolPolicy policy, string? found)
    {
        var tool = policy.Name;
        ReleaseVersion? component = null;
        if (policy.Against is { } against && (component = Component(context, against)) is null)
            return $"cannot tell which {ToolPolicy.Components.GetValueOrDefault(against, against)} version the repository pins, so the {tool} versions to accept are unknown " +
                $"({policy.At})";
        var with = policy.Against is null ? "" : $" with {ComponentName(policy, component)}";
        if (policy.RowFor(component) is not { } row)
            return $"{policy.At}: tools has no {tool} row for {ComponentName(policy, component)}; add the {tool} versions " +
                $"homeops was checked against for it (docs/tools.md), or pin a {ToolPolicy.Components.GetValueOrDefault(policy.Against!, policy.Against!)} version it has a row for";
        var install = $"install {tool} {ToolPolicy.VersionToInstall(row, component)}";
        if (found is null) return $"{tool} is not installed (not on PATH); {install} (supported{with}: {ToolPolicy.Describe(row)})";
        if (!ReleaseVersion.TryParse(Semver().Match(found).Value, out var version))
            return $"{tool} reports version '{found}', which is not a release version; expected {ToolPolicy.Describe(row)}{with}; {install}";
        if (row.Use.Any(u => u.Contains(version))) return null;
        return $"{tool} {found} is not supported{with}: {row.At} accepts {ToolPolicy.Describe(row)}; {install}";
    }
}
