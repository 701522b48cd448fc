using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Versions;

/// <summary>
/// Every chart and image is pinned to one exact version, so what runs is what was reviewed and
/// Renovate (not the registry) decides when it changes.
/// </summary>
public sealed partial class UnpinnedRules : IRuleSet
{
    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new("versions/unpinned", Severity.Error, "A Helm chart, OCI artifact or container image without one exact version (missing, a range, or latest)."),
    ];

    private static readonly string[] Workloads = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"];

    /// <summary>A SemVer range, wildcard or constraint instead of one version.</summary>
    [GeneratedRegex(@"[\^~*xX<>=|]|\s-\s|^\s*$")]
    private static partial Regex Range();

    /// <summary>Every document as Flux renders it (images, patches and substitution applied), orphans as written.</summary>
    public void Check(RepoModel repo, RuleContext context)
    {
        var instances = repo.Instances.ToList();
        foreach (var release in instances.Where(m => m.Group == "helm.toolkit.fluxcd.io" && m.Kind == "HelmRelease"))
        {
            if (release.Body["spec"].Field("chart").Field("spec") is not JsonObject chart) continue; // chartRef: the referenced OCIRepository is checked itself
            // helm-controller ignores the version of a chart from a GitRepository or Bucket (api/v2 HelmChartTemplateSpec.Version): the source's revision pins it
            if (Manifest.Text(chart["sourceRef"].Field("kind")) is "GitRepository" or "Bucket") continue;
            var version = Manifest.Text(chart["version"]);
            if (version is null || Range().IsMatch(version))
                context.Report("versions/unpinned", release.At(version is null ? "/spec/chart/spec" : "/spec/chart/spec/version"),
                    $"HelmRelease {release.Name} installs chart {Manifest.Text(chart["chart"])} {(version is null ? "without a version (Flux then takes the newest)" : $"at '{version}', a range")}",
                    "pin one exact chart version, e.g. version: \"1.17.6\"; Renovate proposes updates");
        }
        foreach (var oci in instances.Where(m => m.Group == "source.toolkit.fluxcd.io" && m.Kind == "OCIRepository"))
        {
            var reference = oci.Body["spec"].Field("ref");
            var tag = Manifest.Text(reference.Field("tag"));
            var pinned = Manifest.Text(reference.Field("digest")) is not null
                         || tag is not null && tag != "latest"
                         || Manifest.Text(reference.Field("semver")) is { } semver && !Range().IsMatch(semver);
            if (!pinned)
                context.Report("versions/unpinned", oci.At(reference is null ? "/spec" : "/spec/ref"),
                    $"OCIRepository {oci.Name} follows {(tag ?? Manifest.Text(reference.Field("semver")) ?? "latest")}, not one version",
                    "set spec.ref.tag to an exact version (or spec.ref.digest)");
        }
        foreach (var workload in instances.Where(m => Workloads.Contains(m.Kind) && m.Group is "" or "apps" or "batch"))
            foreach (var (pointer, image) in Images(workload))
                if (Unpinned(image) is { } why)
                    context.Report("versions/unpinned", workload.At(pointer), $"{workload.Kind} {workload.Name} runs image {image}, {why}",
                        "pin a tag (e.g. redis:7.4.5-alpine) or a digest (@sha256:...)");
    }

    private static IEnumerable<(string Pointer, string Image)> Images(Manifest workload)
    {
        var (pod, prefix) = workload.Kind switch
        {
            "Pod" => (workload.Body["spec"], "/spec"),
            "CronJob" => (workload.Body["spec"].Field("jobTemplate").Field("spec").Field("template").Field("spec"), "/spec/jobTemplate/spec/template/spec"),
            _ => (workload.Body["spec"].Field("template").Field("spec"), "/spec/template/spec"),
        };
        foreach (var list in new[] { "initContainers", "containers" })
            if (pod.Field(list) is JsonArray containers)
                for (var i = 0; i < containers.Count; i++)
                    if (Manifest.Text(containers[i].Field("image")) is { } image)
                        yield return ($"{prefix}/{list}/{i}/image", image);
    }

    /// <summary>Why an image reference is not pinned, or null when it is.</summary>
    public static string? Unpinned(string image)
    {
        if (image.Contains("${", StringComparison.Ordinal)) return null; // Flux substitution: pinned where the variable is set
        if (image.Contains("@sha256:", StringComparison.Ordinal)) return null;
        var name = image[(image.LastIndexOf('/') + 1)..];
        if (!name.Contains(':')) return "without a tag (that means latest)";
        return name.EndsWith(":latest", StringComparison.Ordinal) ? "tagged latest" : null;
    }
}
