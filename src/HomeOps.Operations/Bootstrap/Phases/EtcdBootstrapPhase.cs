namespace HomeOps.Operations.Bootstrap.Phases;

/// <summary>Bootstraps etcd exactly once, on the first control-plane node; a cluster whose etcd runs is left alone.</summary>
public sealed class EtcdBootstrapPhase : IPhase
{
    public string Name => "etcd-bootstrap";

    public async Task<bool> IsDoneAsync(BootstrapContext context, CancellationToken cancel) =>
        (await Task.WhenAll(context.Talos.Nodes.Where(n => n.ControlPlane)
            .Select(n => context.Tools.Talosctl.EtcdRunningAsync(n.Node.IpAddress, context.Talosconfig, cancel)))).Any(running => running);

    public async Task RunAsync(BootstrapContext context, CancellationToken cancel)
    {
        var node = context.ControlPlaneNode;
        context.Emit(EventKind.StepStarted, Name, node, "talosctl bootstrap");
        // An earlier run may have stopped after the call and before etcd was seen running: Talos then refuses, and waiting
        // for the etcd it started is all that is left to do.
        var now = await context.Tools.Talosctl.BootstrapAsync(node, context.Talosconfig, cancel);
        context.Emit(EventKind.StepCompleted, Name, node, now ? "talosctl bootstrap" : "etcd was bootstrapped by an earlier run (its data directory is not empty)");
        context.MarkStep($"{Name}/bootstrap/{node}");
        await context.WaitUntilAsync(Name, $"etcd running on {node}", c => context.Tools.Talosctl.EtcdRunningAsync(node, context.Talosconfig, c), context.Plan.Phase(Name).Timeout, cancel);
    }

    public IEnumerable<string> Describe(BootstrapContext context) =>
        [$"talosctl bootstrap --nodes {context.ControlPlaneNode} --endpoints {context.ControlPlaneNode} --talosconfig {context.Talos.OutputDirectory}/talosconfig   (skipped when etcd already runs on any control-plane node)"];
}
