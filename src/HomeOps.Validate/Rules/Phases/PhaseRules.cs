using System.Text.Json.Nodes;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Phases;

/// <summary>
/// The Bootstrap/GitOps boundary: what bootstrap-config.yaml installs directly must either stay
/// bootstrap-only or be adopted by exactly one Flux HelmRelease that really takes over the same
/// Helm release; bootstrap applies only Flux's entry point; bootstrap and ExternalSecrets never
/// write the same Secret.
/// </summary>
public sealed class PhaseRules : IRuleSet
{
    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new("phase/boundary", Severity.Error, "A bootstrap-only component also managed by Flux without adoption, or a GitOps component applied in bootstrap."),
    ];

    private const string Rule = "phase/boundary";

    public void Check(RepoModel repo, RuleContext context)
    {
        if (repo.BootstrapConfig is not { } config) return;
        var releases = repo.Cluster.OfKind("helm.toolkit.fluxcd.io", "HelmRelease").Select(r => (Release: HelmReleaseIdentity.Of(r), Manifest: r)).ToList();
        var fluxEntry = repo.Cluster.OfKind("kustomize.toolkit.fluxcd.io", "Kustomization").FirstOrDefault(k => k.Name == "flux-system");
        foreach (var (phase, i) in Manifest.Items(config.Body["phases"]))
        {
            var name = Manifest.Text(phase.Field("name")) ?? $"#{i}";
            foreach (var (install, j) in Manifest.Items(phase.Field("installs"))) CheckInstall(config, $"/phases/{i}/installs/{j}", name, install, releases, context);
            foreach (var (applied, j) in Manifest.Items(phase.Field("applies"))) CheckApply(repo, config, $"/phases/{i}/applies/{j}", name, Manifest.Text(applied), fluxEntry, context);
            foreach (var (created, j) in Manifest.Items(phase.Field("creates"))) CheckCreate(repo, config, $"/phases/{i}/creates/{j}/secret", name, Manifest.Text(created.Field("secret")), context);
        }
    }

    private static void CheckInstall(Manifest config, string pointer, string phase, JsonNode? install, IReadOnlyList<(HelmReleaseIdentity Release, Manifest Manifest)> releases, RuleContext context)
    {
        if (Manifest.Text(install.Field("helmRelease")) is not { } release || release.Split('/') is not [var ns, var releaseName]) return;
        var adoptedBy = Manifest.Text(install.Field("adoptedBy"));
        var managing = releases.Where(r => r.Release.StorageNamespace == ns && r.Release.Name == releaseName).ToList();
        if (managing.Count == 0 && adoptedBy is not null)
        {
            var near = releases.FirstOrDefault(r => r.Manifest.File == adoptedBy);
            context.Report(Rule, config.At($"{pointer}/adoptedBy"),
                $"phase {phase} installs Helm release {release}, to be adopted by {adoptedBy}, but no HelmRelease there manages that release"
                + (near.Manifest is null ? "" : $" ({near.Manifest.Name} manages {near.Release})"),
                "Flux adopts a Helm release only with the same release name and storage namespace: set spec.releaseName and spec.storageNamespace/targetNamespace to match");
            return;
        }
        foreach (var (identity, manifest) in managing)
        {
            if (adoptedBy is null)
                context.Report(Rule, manifest.At("/metadata/name"),
                    $"HelmRelease {manifest.Name} manages Helm release {release}, which bootstrap phase {phase} installs, and bootstrap-config.yaml does not declare the adoption",
                    $"add `adoptedBy: {manifest.File}` to that install in bootstrap-config.yaml, or remove one of the two");
            else if (manifest.File != adoptedBy)
                context.Report(Rule, config.At($"{pointer}/adoptedBy"),
                    $"phase {phase} says {adoptedBy} adopts Helm release {release}, but HelmRelease {manifest.Name} in {manifest.File} manages it",
                    $"set adoptedBy: {manifest.File}");
            if (identity.TargetNamespace != ns)
                context.Report(Rule, manifest.At("/spec"),
                    $"HelmRelease {manifest.Name} adopts Helm release {release} but deploys into namespace {identity.TargetNamespace}, so the adopted objects would be recreated elsewhere",
                    $"set spec.targetNamespace: {ns}");
        }
    }

    private static void CheckApply(RepoModel repo, Manifest config, string pointer, string phase, string? path, Manifest? fluxEntry, RuleContext context)
    {
        if (path is null) return;
        var entryDirectory = fluxEntry is null ? null : Path.GetDirectoryName(fluxEntry.File)?.Replace('\\', '/');
        var normalized = path.TrimStart('.', '/').TrimEnd('/');
        if (entryDirectory is not null && (normalized == entryDirectory || normalized.StartsWith(entryDirectory + "/", StringComparison.Ordinal)))
            return;
        var managed = repo.Manifests.Where(m => m.File == normalized || m.File.StartsWith(normalized + "/", StringComparison.Ordinal)).Take(3).ToList();
        context.Report(Rule, config.At(pointer),
            $"phase {phase} applies {path} directly{(managed.Count == 0 ? "" : $" ({string.Join(", ", managed.Select(m => m.Id))}…)")}, but that is GitOps territory: Flux reconciles it, and the two fight over it",
            entryDirectory is null
                ? "bootstrap applies only Flux's entry point (the GitRepository and Kustomization named flux-system)"
                : $"apply only {entryDirectory} (Flux's entry point) and let Flux apply the rest");
    }

    private static void CheckCreate(RepoModel repo, Manifest config, string pointer, string phase, string? secret, RuleContext context)
    {
        if (secret?.Split('/') is not [var ns, var name]) return;
        foreach (var external in repo.Cluster.OfKind("external-secrets.io", "ExternalSecret"))
        {
            var target = Manifest.Text(external.Body["spec"].Field("target").Field("name")) ?? external.Name;
            if (target == name && (external.Namespace ?? ns) == ns)
                context.Report(Rule, config.At(pointer),
                    $"phase {phase} creates Secret {secret}, which ExternalSecret {external.Name} ({external.File}) also writes; they overwrite each other",
                    "let one of them own the Secret: bootstrap only for what External Secrets needs to start (the 1Password Connect credentials and token)");
        }
    }

}

/// <summary>
/// The Helm release a Flux HelmRelease manages, with Flux's defaults: the release name is
/// spec.releaseName, else "&lt;targetNamespace&gt;-&lt;name&gt;" when targetNamespace is set, else the name;
/// it is stored in spec.storageNamespace, else the HelmRelease's namespace.
/// </summary>
public sealed record HelmReleaseIdentity(string StorageNamespace, string Name, string TargetNamespace)
{
    public static HelmReleaseIdentity Of(Manifest release)
    {
        var spec = release.Body["spec"];
        var own = release.Namespace ?? "default";
        var target = Manifest.Text(spec.Field("targetNamespace"));
        var name = Manifest.Text(spec.Field("releaseName")) ?? (target is null ? release.Name : $"{target}-{release.Name}");
        return new HelmReleaseIdentity(Manifest.Text(spec.Field("storageNamespace")) ?? own, name, target ?? own);
    }

    public override string ToString() => $"{StorageNamespace}/{Name}";
}
