using HomeOps.Model;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Bootstrap.Phases;

/// <summary>
/// Renders every node's machine config and applies it, in parallel, to the nodes still in maintenance mode; then waits until
/// every node answers configured. A node goes away after apply-config (Talos installs to disk and reboots: the maintenance
/// server hands the config to machined and returns at once, talos@v1.10.5:internal/app/maintenance/server.go:83-132, and the
/// install sequence ends in a reboot, v1alpha1_sequencer.go:151-191), so "applied" is not "configured": the phase polls each
/// node until it answers with the talosconfig. A node that answers nothing when the phase starts may be rebooting after an
/// apply by a run that was killed; it is waited for, and applied to only if it comes back in maintenance mode. A configured
/// node is never sent an insecure apply again (Talos refuses it, and it would mean the run lost track of the node).
/// </summary>
public sealed class TalosConfigPhase : IPhase
{
    public const string SecretsPath = "talsecret.yaml";

    /// <summary>Recorded before the first apply: a later run knows nodes may be away because they reboot.</summary>
    public const string StartedStep = "talos-config/started";

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
        context.MarkStep(StartedStep); // from here on a node that does not answer may be installing or rebooting
        var applied = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var states = new Dictionary<string, TalosNodeState>(StringComparer.Ordinal);
        try
        {
            await context.WaitUntilAsync(Name, $"{render.Nodes.Count} nodes to come back configured after apply-config (install and reboot)", async c =>
            {
                var seen = await Task.WhenAll(render.Nodes.Select(async node =>
                {
                    var ip = node.Node.Node.IpAddress;
                    var state = await context.Tools.Talosctl.StateAsync(ip, context.Talosconfig, c);
                    if (state == TalosNodeState.Maintenance && !applied.ContainsKey(ip))
                    {
                        context.Emit(EventKind.StepStarted, Name, node.Node.Hostname, "apply-config");
                        try { await context.Tools.Talosctl.ApplyConfigInsecureAsync(ip, Path.Combine(context.Repo.Root, node.Path), c); }
                        catch (ToolFailedException e) { throw PhaseFailedException.From(e, node.Node.Hostname, "check the node's console, then `homeops bootstrap --resume`"); }
                        applied[ip] = true;
                        context.MarkStep($"{Name}/apply/{ip}");
                        context.Emit(EventKind.StepCompleted, Name, node.Node.Hostname, "config applied; the node installs and reboots");
                        state = TalosNodeState.Unreachable; // it goes away now; only a configured answer counts
                    }
                    if (state == TalosNodeState.Configured && !context.StepDone($"{Name}/configured/{ip}"))
                    {
                        context.MarkStep($"{Name}/configured/{ip}");
                        context.Emit(EventKind.StepCompleted, Name, node.Node.Hostname, "configured");
                    }
                    return (ip, state);
                }));
                lock (states) foreach (var (ip, state) in seen) states[ip] = state;
                return seen.All(s => s.state == TalosNodeState.Configured);
            }, context.Plan.Phase(Name).Timeout, cancel);
        }
        catch (PhaseFailedException e) when (e.Command is null)
        {
            var waiting = render.Nodes.Where(n => states.GetValueOrDefault(n.Node.Node.IpAddress) != TalosNodeState.Configured)
                .Select(n => $"{n.Node.Hostname} ({n.Node.Node.IpAddress}): {Describe(states.GetValueOrDefault(n.Node.Node.IpAddress),
                    applied.ContainsKey(n.Node.Node.IpAddress) || context.StepDone($"{Name}/apply/{n.Node.Node.IpAddress}"))}");
            throw new PhaseFailedException($"{e.Message}; not configured:\n  - {string.Join("\n  - ", waiting)}", e.Node,
                nextStep: "power on (booted from the Talos image) or look at the console of each node above, then `homeops bootstrap --resume`");
        }
    }

    private static string Describe(TalosNodeState state, bool applied) => state switch
    {
        TalosNodeState.Maintenance => applied ? "still in maintenance mode after apply-config" : "in maintenance mode",
        _ => applied ? "does not answer since apply-config (installing or rebooting)" : "does not answer on the Talos API",
    };

    public IEnumerable<string> Describe(BootstrapContext context) =>
        context.Talos.Nodes.Select(n =>
            $"talosctl apply-config --insecure --nodes {n.Node.IpAddress} --file {context.Talos.MachineConfigPath(n.Hostname)}   (only while the node is in maintenance mode)")
            .Prepend($"homeops talos genconfig (secrets from {SecretsPath}; configs and talosconfig written 0600)")
            .Append("wait until every node answers configured (each installs and reboots after apply-config)");
}
