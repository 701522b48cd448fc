using HomeOps.Model.Repository;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Validate;

/// <summary>
/// crd/not-installed-first on the reference repository as it was before issue #16 (the Flux half has its fixture):
/// Cilium installed by bootstrap before the monitoring CRDs, and Longhorn's RecurringJobs in the Kustomization whose
/// HelmRelease installs their CRD.
/// </summary>
public sealed class CrdOrderRuleTests
{
    private static string Reference(TempDir temp) => Repo.CopyReference(temp, git: false, gitops: true);

    [Fact]
    public void The_reference_repository_installs_every_CRD_before_its_objects()
    {
        using var temp = new TempDir();
        Assert.DoesNotContain(RuleFixtures.Run(Reference(temp)), f => f.Rule == "crd/not-installed-first");
    }

    [Fact]
    public void Cilium_installed_by_bootstrap_before_the_monitoring_CRDs_is_an_error_at_its_install()
    {
        using var temp = new TempDir();
        var root = Reference(temp);
        var config = Path.Combine(root, RepoFiles.BootstrapConfig);
        File.WriteAllText(config, File.ReadAllText(config).Replace(
            "      - helmRelease: monitoring/prometheus-operator-crds\n        adoptedBy: infrastructure/prometheus-operator-crds/helmrelease.yaml\n", ""));
        var found = RuleFixtures.Run(root).Where(f => f.Rule == "crd/not-installed-first").ToList();
        var cilium = Assert.Single(found, f => f.Severity == HomeOps.Model.Severity.Error);
        Assert.Equal(RepoFiles.BootstrapConfig, cilium.Location.File);
        Assert.Contains("kube-system/cilium (chart cilium) whose values render ServiceMonitor", cilium.Message);
        Assert.Contains("helm fails with \"no matches for kind\"", cilium.Message);
        // External Secrets renders its ServiceMonitors only when the group is served: left out silently, a warning
        var eso = Assert.Single(found, f => f.Severity == HomeOps.Model.Severity.Warning);
        Assert.Contains("external-secrets/external-secrets", eso.Message);
    }

    [Fact]
    public void RecurringJobs_beside_the_HelmRelease_that_installs_their_CRD_are_an_error()
    {
        using var temp = new TempDir();
        var root = Reference(temp);
        File.Move(Path.Combine(root, "infrastructure/longhorn-backup/recurringjobs.yaml"), Path.Combine(root, "infrastructure/longhorn/recurringjobs.yaml"));
        foreach (var (file, from, to) in new[]
        {
            ("infrastructure/longhorn-backup/kustomization.yaml", "  - recurringjobs.yaml\n", ""),
            ("infrastructure/longhorn/kustomization.yaml", "  - helmrelease.yaml\n", "  - helmrelease.yaml\n  - recurringjobs.yaml\n"),
        })
            File.WriteAllText(Path.Combine(root, file), File.ReadAllText(Path.Combine(root, file)).Replace(from, to));
        var found = RuleFixtures.Run(root).Where(f => f.Rule == "crd/not-installed-first").ToList();
        Assert.Equal(2, found.Count);
        Assert.All(found, f => Assert.Contains("its own HelmRelease longhorn-system/longhorn, which helm-controller installs only after this build is applied", f.Message));
    }
}
