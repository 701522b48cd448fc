using HomeOps.Compile.Bootstrap;

namespace HomeOps.Operations.Bootstrap.Phases;

/// <summary>The phases in BootstrapPlan.PhaseOrder, one class each.</summary>
public static class BootstrapPhases
{
    public static IReadOnlyList<IPhase> All()
    {
        IPhase[] phases =
        [
            new PreflightPhase(), new TalosConfigPhase(), new EtcdBootstrapPhase(), new KubeconfigPhase(), new WaitNodesPhase(),
            new HelmInstallPhase("cilium"), new OnePasswordPhase(), new HelmInstallPhase("external-secrets"), new FluxPhase(), new VerifyPhase(),
        ];
        if (!phases.Select(p => p.Name).SequenceEqual(BootstrapPlan.PhaseOrder))
            throw new InvalidOperationException("the phase classes are out of step with BootstrapPlan.PhaseOrder");
        return phases;
    }
}
