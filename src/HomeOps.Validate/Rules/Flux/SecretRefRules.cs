using HomeOps.Compile.Flux;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Flux;

/// <summary>
/// Every Secret referenced by name (see <see cref="SecretReferences"/>) must be created by something
/// the repository describes: an ExternalSecret, a cert-manager Certificate, a kustomize
/// secretGenerator, a Secret manifest, or bootstrap (bootstrap-config.yaml phases[].creates[]).
/// Otherwise the Pod never starts or the Flux object never becomes ready, and nothing in Git says why.
/// </summary>
public sealed class SecretRefRules : IRuleSet
{
    public const string Missing = "flux/secret-ref-missing";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(Missing, Severity.Error, "A Secret referenced by name is created by no ExternalSecret, Certificate, secretGenerator, Secret manifest or bootstrap phase."),
    ];

    /// <summary>Each cluster the repository describes on its own (objects of one cluster never satisfy another's references).</summary>
    public void Check(RepoModel repo, RuleContext context)
    {
        foreach (var cluster in repo.Clusters) CheckCluster(FluxTree.Of(repo, cluster), context);
    }

    private static void CheckCluster(FluxTree tree, RuleContext context)
    {
        var created = Created(tree).ToHashSet();
        var outside = tree.Model.Outside.Where(o => o.Kind == "Secret").ToList();
        foreach (var m in tree.Cluster.Objects)
        {
            var ns = FluxTree.NamespaceOf(m);
            foreach (var reference in SecretReferences.Of(m, ns))
            {
                var key = new ObjectKey("Secret", reference.Namespace, reference.Name);
                if (created.Contains(key)) continue;
                // made by the repository's bootstrap (a script, task or template), or by flux bootstrap: it exists
                if (outside.Any(o => o.Name == reference.Name && o.IsIn(reference.Namespace))) continue;
                context.Report(Missing, m.At(reference.Pointer),
                    $"{m.Kind} {ns}/{m.Name} references Secret {reference.Namespace}/{reference.Name} ({reference.Via}), which nothing in the repository creates",
                    Nearest.Hint(key, created)
                        ?? $"create it in namespace {reference.Namespace} with an ExternalSecret (spec.target.name), a Certificate (spec.secretName), a secretGenerator or a bootstrap phase (creates:), or mark the reference optional: true if it can run without it");
            }
        }
    }

    /// <summary>Every Secret the repository creates.</summary>
    private static IEnumerable<ObjectKey> Created(FluxTree tree)
    {
        foreach (var m in tree.Cluster.Objects)
        {
            var name = (m.Group, m.Kind) switch
            {
                ("", "Secret") => m.Name,
                ("external-secrets.io", "ExternalSecret") => Manifest.Text(m.Body["spec"].Field("target").Field("name")) ?? m.Name,
                ("cert-manager.io", "Certificate") => Manifest.Text(m.Body["spec"].Field("secretName")),
                _ => null,
            };
            if (name is not null) yield return new ObjectKey("Secret", FluxTree.NamespaceOf(m), name);
        }
        // Without a Flux tree the objects are as written: a secretGenerator's Secret is not among them.
        if (!tree.Cluster.FromFlux)
            foreach (var overlay in tree.Overlays.Values)
                foreach (var (name, ns) in KustomizeFields.GeneratedSecrets(overlay))
                    yield return new ObjectKey("Secret", ns ?? Manifest.Text(overlay.Body["namespace"]) ?? "default", name);
        foreach (var phase in tree.Repo.Bootstrap.Field("phases") as System.Text.Json.Nodes.JsonArray ?? [])
            foreach (var creates in phase.Field("creates") as System.Text.Json.Nodes.JsonArray ?? [])
                if (Manifest.Text(creates.Field("secret")) is { } secret && secret.Split('/') is [var ns, var name])
                    yield return new ObjectKey("Secret", ns, name);
    }
}
