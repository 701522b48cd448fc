namespace HomeOps.Operations.Tools;

public interface IFlux : IVersionedTool
{
    /// <summary>
    /// `flux install` without --version: the controllers and CRDs embedded in the CLI, so the CLI's own version is the version
    /// installed and nothing is downloaded. The caller makes sure the CLI is the pinned Flux version first.
    /// </summary>
    Task InstallAsync(string kubeconfig, CancellationToken cancel);

    /// <summary>
    /// `flux reconcile kustomization|helmrelease NAME --namespace NS --with-source`: asks the controller to reconcile now
    /// (fetching its source first) and waits for the outcome. Returned, not thrown: a failed reconcile is evidence.
    /// </summary>
    Task<ToolResult> ReconcileAsync(string kind, string @namespace, string name, string kubeconfig, CancellationToken cancel) =>
        throw new NotSupportedException($"{GetType().Name}: reconcile");
}
