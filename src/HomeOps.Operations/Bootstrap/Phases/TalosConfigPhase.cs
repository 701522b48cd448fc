using HomeOps.Model;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Bootstrap.Phases;

/// <summary>
/// Renders every node's machine config and applies it, in parallel, to the nodes still in
/// maintenance mode. A configured node is never sent an insecure apply again (Talos refuses it,
/// and it would mean the run lost track of the node).
/// </summary>
public sealed class TalosConfigPhase : IPhase
{
    public const string SecretsPath = "talsecret.yaml";

    public string Name => "talos-config";

    public async Task<bool> IsDoneAsync(BootstrapContext context, CancellationToken cancel)
    {
        if (!context.Workspace.FileExists(context.Talosconfig)) return false;
        var states = await Task.WhenAll(context.Talos.Nodes.Select(n => context.Tools.Talosctl.StateAsync(n.Node.IpAddress, context.Talosconfig, cancel)));
        return states.All(s => s == TalosNodeState.Configured);
    }

    public async Task RunAsync(BootstrapContext context, CancellationToken cancel)
    {
        var findings = new FindingBag();
        var render = context.Workflow.Render(context.Talos, context.Workflow.ReadSecrets(SecretsPath), findings);
        if (findings.HasErrors)
            throw new PhaseFailedException($"rendering the machine configs failed:\n  {string.Join("\n  ", findings.Sorted().Where(d => d.Severity == Severity.Error))}",
                nextStep: "run `homeops check` and fix what it reports");
        context.Workflow.Write(render);
        await Task.WhenAll(render.Nodes.Select(async node =>
        {
            var ip = node.Node.Node.IpAddress;
            var step = $"{Name}/apply/{ip}";
            context.Emit(EventKind.StepStarted, Name, node.Node.Hostname, "apply-config");
            switch (await context.Tools.Talosctl.StateAsync(ip, context.Talosconfig, cancel))
            {
                case TalosNodeState.Configured:
                    break;
                case TalosNodeState.Maintenance:
                    try { await context.Tools.Talosctl.ApplyConfigInsecureAsync(ip, Path.Combine(context.Repo.Root, node.Path), cancel); }
                    catch (ToolFailedException e) { throw PhaseFailedException.From(e, node.Node.Hostname, "check the node's console, then `homeops bootstrap --resume`"); }
                    break;
                default:
                    throw new PhaseFailedException($"{node.Node.Hostname} ({ip}) does not answer on the Talos API", node.Node.Hostname,
                        nextStep: "power it on (booted from the Talos image), then `homeops bootstrap --resume`");
            }
            context.MarkStep(step);
            context.Emit(EventKind.StepCompleted, Name, node.Node.Hostname, "configured");
        }));
    }

    public IEnumerable<string> Describe(BootstrapContext context) =>
        context.Talos.Nodes.Select(n =>
            $"talosctl apply-config --insecure --nodes {n.Node.IpAddress} --file {context.Talos.MachineConfigPath(n.Hostname)}   (only while the node is in maintenance mode)")
            .Prepend($"homeops talos genconfig (secrets from {SecretsPath}; configs and talosconfig written 0600)");
}
