namespace HomeOps.Operations.Bootstrap.Phases;

/// <summary>
/// Installs the Flux controllers, applies only Flux's entry point from the repository (the paths
/// under `applies:`), and waits for the root Kustomization to report Ready; Flux does the rest.
/// The version installed is the flux CLI's own (its embedded manifests): the CLI is checked against
/// the matrix for flux.version right before, so a run that skipped preflight (--from, --resume) cannot
/// install another Flux, and the install never reaches GitHub.
/// </summary>
public sealed class FluxPhase : IPhase
{
    public const string RootKustomization = "flux-system";

    public string Name => "flux";

    public async Task<bool> IsDoneAsync(BootstrapContext context, CancellationToken cancel) =>
        (await context.Api.KustomizationsAsync(cancel)).Any(k => k.Name == RootKustomization && k.Ready);

    public async Task RunAsync(BootstrapContext context, CancellationToken cancel)
    {
        var version = await context.Tools.Flux.VersionAsync(cancel);
        if (context.Plan.Tool(context.Tools.Flux.Name) is not { } policy)
            throw new PhaseFailedException("bootstrap-config.yaml tools has no flux entry, so no flux CLI is known to install Flux " + context.Plan.Config.Flux.Version,
                nextStep: "add flux to tools (docs/tools.md), then `homeops bootstrap --resume`");
        if (ToolVersions.Problem(context, policy, version) is { } problem)
            throw new PhaseFailedException($"refusing to install Flux: {problem}", nextStep: "install that flux CLI, then `homeops bootstrap --resume` (nothing was installed)");
        context.Emit(EventKind.StepStarted, Name, message: $"flux install (flux {version}: the manifests embedded in the CLI)");
        await context.Tools.Flux.InstallAsync(context.Kubeconfig, cancel);
        foreach (var path in Applies(context))
        {
            await context.Tools.Kubectl.ApplyKustomizationAsync(Path.Combine(context.Repo.Root, path), context.Kubeconfig, cancel);
            context.MarkStep($"{Name}/apply/{path}");
        }
        await context.WaitUntilAsync(Name, $"Kustomization {RootKustomization} to be Ready", async c => await IsDoneAsync(context, c), context.Plan.Phase(Name).Timeout, cancel);
    }

    public IEnumerable<string> Describe(BootstrapContext context) =>
        Applies(context).Select(p => $"kubectl apply --server-side -k {p}")
            .Prepend($"flux install   (the manifests embedded in the flux CLI, which must be {(context.Plan.Tool("flux") is { } flux ? ToolVersions.Accepted(context, flux) : "listed in bootstrap-config.yaml tools")}; no download)")
            .Append($"wait for Kustomization flux-system/{RootKustomization} Ready");

    private static IEnumerable<string> Applies(BootstrapContext context) => context.Plan.Phase("flux").Settings.Applies;
}
