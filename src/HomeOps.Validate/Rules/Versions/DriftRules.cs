using HomeOps.Compile.Network;
using HomeOps.Compile.Repository;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Versions;

/// <summary>
/// One fact, one value: the cluster's identity, versions and Git source must agree between
/// talconfig.yaml, bootstrap-config.yaml and the GitOps tree, and the versions must work together.
/// </summary>
public sealed class DriftRules : IRuleSet
{
    public const string Rule = "versions/drift";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(Rule, Severity.Error, "A version or shared fact (cluster name, endpoint, Git source, network facts) that disagrees between talconfig.yaml, bootstrap-config.yaml and the GitOps tree, or versions that cannot work together."),
    ];

    public void Check(RepoModel repo, RuleContext context)
    {
        if (repo.Talos is { } talos)
        {
            CheckSupport(talos, context);
            if (CiliumValues.Find(repo) is { } cilium) CheckCilium(talos, cilium, context);
            if (repo.BootstrapConfig is { } config)
            {
                CheckIdentity(talos, config, context);
                CheckTools(talos, config, context);
            }
        }
        if (repo.BootstrapConfig is { } bootstrap) CheckGitSource(repo, bootstrap, context);
    }

    /// <summary>The Talos line's own Kubernetes range (its data file, Talos/Lines); planning already refuses a pair outside it.</summary>
    private static void CheckSupport(TalosPlan talos, RuleContext context)
    {
        if (talos.Line.Kubernetes.Supports(talos.Kubernetes)) return;
        context.Report(Rule, talos.Config.LocationOf("kubernetesVersion"),
            $"Kubernetes {talos.Kubernetes} is not supported by Talos {talos.Line.Name} (it supports {talos.Line.Kubernetes.Range})",
            "upgrade Talos first (`homeops upgrade talos`), or pick a Kubernetes version in the supported range");
    }

    private static void CheckIdentity(TalosPlan talos, Manifest config, RuleContext context)
    {
        Compare(context, config, "/cluster/name", talos.Config.ClusterName, "talconfig.yaml clusterName", talos.Config.LocationOf("clusterName"));
        Compare(context, config, "/cluster/endpoint", talos.Config.Endpoint, "talconfig.yaml endpoint", talos.Config.LocationOf("endpoint"));
    }

    /// <summary>
    /// The Cilium values bootstrap installs and Flux adopts name the same cluster, and reach the API
    /// server where Talos serves it: the endpoint's host, or KubePrism on localhost.
    /// </summary>
    private static void CheckCilium(TalosPlan talos, CiliumValues cilium, RuleContext context)
    {
        if (Manifest.Text(cilium.Get("cluster.name").Value) is { } name && name != talos.Config.ClusterName)
            context.Report(Rule, cilium.Get("cluster.name").At,
                $"Cilium cluster.name is '{name}' but talconfig.yaml clusterName is '{talos.Config.ClusterName}' ({talos.Config.LocationOf("clusterName")})",
                "use the same name: Hubble, Cluster Mesh and the dashboards identify the cluster by it");
        var (hostNode, hostAt) = cilium.Get("k8sServiceHost");
        if (Manifest.Text(hostNode) is not { } host || !Uri.TryCreate(talos.Config.Endpoint, UriKind.Absolute, out var endpoint)) return;
        if (host is "localhost" or "127.0.0.1" or "::1" || host == endpoint.Host) return;
        context.Report(Rule, hostAt,
            $"Cilium k8sServiceHost is '{host}' but the API server endpoint in talconfig.yaml is {endpoint.Host} ({talos.Config.LocationOf("endpoint")})",
            $"set k8sServiceHost to {endpoint.Host} (port {endpoint.Port}), or to localhost with Talos KubePrism's port 7445");
    }

    /// <summary>
    /// The tool version matrix must have a row for the versions the repository pins (talosctl and the Talos version; kubectl
    /// and helm and the Kubernetes version; flux and flux.version): without one, bootstrap's preflight refuses every version
    /// of that tool. A bump of talosVersion or kubernetesVersion thus shows here, before it reaches a bootstrap.
    /// </summary>
    private static void CheckTools(TalosPlan talos, Manifest config, RuleContext context)
    {
        foreach (var (tool, index) in Manifest.Items(config.Body["tools"]))
        {
            var against = Manifest.Text(tool.Field("against"));
            var (pinned, what) = against switch
            {
                "talos" => (talos.Talos, $"Talos {talos.Talos} (talconfig.yaml talosVersion)"),
                "kubernetes" => (talos.Kubernetes, $"Kubernetes {talos.Kubernetes} (talconfig.yaml kubernetesVersion)"),
                "flux" when ReleaseVersion.TryParse(Manifest.Text(config.Get("/flux/version")), out var flux) => (flux, $"Flux {flux} (flux.version)"),
                _ => ((ReleaseVersion?)null, ""),
            };
            if (pinned is null) continue;
            var covered = Manifest.Items(tool.Field("supported")).Any(row =>
                Manifest.Text(row.Item.Field("when")) is not { } when || (VersionRange.TryParse(when, out var range) && range.Contains(pinned)));
            if (covered) continue;
            var name = Manifest.Text(tool.Field("name"));
            context.Report(Rule, config.At($"/tools/{index}/supported"), $"tools: {name} has no row for {what}, so bootstrap would refuse every {name}",
                $"add a row for {pinned.Line} with the {name} versions homeops was checked against (docs/tools.md)");
        }
    }

    /// <summary>What bootstrap tells Flux to sync must be what the committed flux-system objects sync.</summary>
    private static void CheckGitSource(RepoModel repo, Manifest config, RuleContext context)
    {
        var git = config.Body["git"];
        if (git is null) return;
        var repository = repo.Cluster.OfKind("source.toolkit.fluxcd.io", "GitRepository").FirstOrDefault(r => r.Name == "flux-system");
        var root = repo.Cluster.OfKind("kustomize.toolkit.fluxcd.io", "Kustomization").FirstOrDefault(k => k.Name == "flux-system");
        if (repository is not null)
        {
            Compare(context, config, "/git/url", Manifest.Text(repository.Body["spec"].Field("url")), $"GitRepository flux-system spec.url", repository.At("/spec/url"));
            Compare(context, config, "/git/branch", Manifest.Text(repository.Body["spec"].Field("ref").Field("branch")), $"GitRepository flux-system spec.ref.branch", repository.At("/spec/ref/branch"));
        }
        if (root is not null)
            Compare(context, config, "/git/path", Manifest.Text(root.Body["spec"].Field("path")), "Kustomization flux-system spec.path", root.At("/spec/path"), NormalizePath);
    }

    private static string NormalizePath(string path) => "./" + path.TrimStart('.', '/').TrimEnd('/');

    private static void Compare(RuleContext context, Manifest config, string pointer, string? truth, string truthName, SourceLocation truthAt, Func<string, string>? normalize = null)
    {
        if (Manifest.Text(config.Get(pointer)) is not { } stated || truth is null) return;
        normalize ??= s => s.TrimEnd('/');
        if (normalize(stated) == normalize(truth)) return;
        context.Report(Rule, config.At(pointer),
            $"bootstrap-config.yaml {pointer.TrimStart('/').Replace('/', '.')} is '{stated}' but {truthName} is '{truth}' ({truthAt})",
            "make them equal; the bootstrap would otherwise build a different cluster than the one Git describes");
    }
}
