namespace HomeOps.Operations.Bootstrap.Phases;

/// <summary>
/// Installs the Flux controllers, applies only Flux's entry point from the repository (the paths
/// under `applies:`), and waits for the root Kustomization to report Ready; Flux does the rest.
/// </summary>
public sealed class FluxPhase : IPhase
{
    public const string RootKustomization = "flux-system";

    public string Name => "flux";

    public async Task<bool> IsDoneAsync(BootstrapContext context, CancellationToken cancel) =>
        (await context.Api.KustomizationsAsync(cancel)).Any(k => k.Name == RootKustomization && k.Ready);

    public async Task RunAsync(BootstrapContext context, CancellationToken cancel)
    {
        context.Emit(EventKind.StepStarted, Name, message: $"flux install {context.Plan.Config.Flux.Version}");
        await context.Tools.Flux.InstallAsync(context.Plan.Config.Flux.Version, context.Kubeconfig, cancel);
        foreach (var path in Applies(context))
        {
            await context.Tools.Kubectl.ApplyKustomizationAsync(Path.Combine(context.Repo.Root, path), context.Kubeconfig, cancel);
            context.MarkStep($"{Name}/apply/{path}");
        }
        await context.WaitUntilAsync(Name, $"Kustomization {RootKustomization} to be Ready", async c => await IsDoneAsync(context, c), context.Plan.Phase(Name).Timeout, cancel);
    }

    public IEnumerable<string> Describe(BootstrapContext context) =>
        Applies(context).Select(p => $"kubectl apply --server-side -k {p}")
            .Prepend($"flux install --version={context.Plan.Config.Flux.Version}")
            .Append($"wait for Kustomization flux-system/{RootKustomization} Ready");

    private static IEnumerable<string> Applies(BootstrapContext context) => context.Plan.Phase("flux").Settings.Applies;
}
