using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Bootstrap.Phases;

/// <summary>
/// Installs the Helm releases a phase lists under `installs:` (Cilium before any CNI exists, then
/// External Secrets) with the chart, version and values of the GitOps HelmRelease that adopts them,
/// read from the tree rather than repeated, so Flux takes them over without a change.
/// </summary>
public sealed class HelmInstallPhase(string name) : IPhase
{
    public string Name { get; } = name;

    public async Task<bool> IsDoneAsync(BootstrapContext context, CancellationToken cancel)
    {
        foreach (var install in Installs(context, writeValues: false))
        {
            var status = await context.Tools.Helm.StatusAsync(install.Release, install.Namespace, context.Kubeconfig, cancel);
            if (status is not { Status: "deployed" } || status.ChartVersion != install.Version) return false;
        }
        return true;
    }

    public async Task RunAsync(BootstrapContext context, CancellationToken cancel)
    {
        foreach (var install in Installs(context, writeValues: true))
        {
            context.Emit(EventKind.StepStarted, Name, message: $"helm upgrade --install {install.Release} {install.Chart} {install.Version}");
            await context.Tools.Helm.UpgradeInstallAsync(install, context.Kubeconfig, cancel);
            context.MarkStep($"{Name}/helm/{install.Namespace}/{install.Release}");
        }
    }

    public IEnumerable<string> Describe(BootstrapContext context) =>
        Installs(context, writeValues: false).Select(i => $"helm upgrade --install {i.Release} {i.Chart} --repo {i.RepositoryUrl} --version {i.Version} -n {i.Namespace} --create-namespace -f {Path.GetRelativePath(context.Repo.Root, i.ValuesFile)} --wait --timeout {GoDuration.Format(i.Timeout)}   (skipped when deployed at that version)");

    /// <summary>The releases this phase installs, as it would install them (nothing is written).</summary>
    public IReadOnlyList<HelmInstall> Planned(BootstrapContext context) => Installs(context, writeValues: false);

    /// <summary>Each install, resolved from the adopting HelmRelease and its HelmRepository; with <paramref name="writeValues"/> the merged values are written to the state folder.</summary>
    private List<HelmInstall> Installs(BootstrapContext context, bool writeValues)
    {
        var phase = context.Plan.Phase(Name);
        var result = new List<HelmInstall>();
        foreach (var install in phase.Settings.Installs)
        {
            var (ns, releaseName) = install.HelmRelease.Split('/') is [var n, var r] ? (n, r) : throw Broken(install.HelmRelease, "is not namespace/release");
            var release = context.Repo.Manifests.FirstOrDefault(m => m.File == install.AdoptedBy && m.Kind == "HelmRelease")
                ?? throw Broken(install.HelmRelease, $"names adoptedBy {install.AdoptedBy}, which holds no HelmRelease");
            var chart = release.Body["spec"].Field("chart").Field("spec");
            var source = chart.Field("sourceRef");
            var repository = context.Repo.OfKind("source.toolkit.fluxcd.io", "HelmRepository")
                .FirstOrDefault(r => r.Name == Manifest.Text(source.Field("name")) && (r.Namespace ?? "flux-system") == (Manifest.Text(source.Field("namespace")) ?? release.Namespace))
                ?? throw Broken(install.HelmRelease, $"the HelmRelease in {release.File} uses a HelmRepository that is not in the tree");
            var values = Path.Combine(context.StateDirectory, $"helm-values-{ns}-{releaseName}.yaml");
            if (writeValues) context.Workspace.WritePrivate(values, YamlJson.ToYaml([HelmValues.Merged(HelmValues.LayersOf(context.Repo, release))]));
            result.Add(new HelmInstall(releaseName, ns, Manifest.Text(chart.Field("chart")) ?? releaseName, Manifest.Text(repository.Body["spec"].Field("url")) ?? "",
                Manifest.Text(chart.Field("version")) ?? throw Broken(install.HelmRelease, "its HelmRelease pins no chart version"), values, phase.Timeout));
        }
        return result;
    }

    private PhaseFailedException Broken(string release, string why) =>
        new($"bootstrap-config.yaml: {Name} installs {release}, which {why}", nextStep: "run `homeops validate` (rule phase/boundary) and fix bootstrap-config.yaml");
}
