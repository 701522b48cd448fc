using HomeOps.Model;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Bootstrap.Phases;

/// <summary>
/// The gate before anything changes: every tool at a version bootstrap-config.yaml's matrix accepts for the components the
/// repository pins, every node answering on the Talos API (asked through talosctl, in maintenance mode or configured), and a
/// repository that validates. It changes nothing and nothing it runs leaves the machine (version commands run offline), so
/// "done" means "the checks pass now".
/// </summary>
public sealed class PreflightPhase : IPhase
{
    public const int TalosApiPort = 50000;

    public string Name => "preflight";

    public async Task<bool> IsDoneAsync(BootstrapContext context, CancellationToken cancel) => (await ProblemsAsync(context, cancel)).Count == 0;

    public async Task RunAsync(BootstrapContext context, CancellationToken cancel)
    {
        var problems = await ProblemsAsync(context, cancel);
        if (problems.Count > 0)
            throw new PhaseFailedException($"{problems.Count} preflight check(s) failed:\n  - {string.Join("\n  - ", problems)}",
                nextStep: "fix these, then `homeops bootstrap` (nothing has been changed yet)");
    }

    public IEnumerable<string> Describe(BootstrapContext context) =>
        context.Plan.Tools.Select(t => $"{t.Name} version (offline; accepted: {ToolVersions.Accepted(context, t)})")
            .Concat(context.Talos.Nodes.Select(n => $"talosctl get machinestatus --nodes {n.Node.IpAddress} (answers on the Talos API, port {TalosApiPort})"))
            .Append("homeops validate (0 errors)");

    private static async Task<List<string>> ProblemsAsync(BootstrapContext context, CancellationToken cancel)
    {
        var problems = new List<string>();
        var tools = context.Tools.All.ToDictionary(t => t.Name);
        var versions = await Task.WhenAll(context.Plan.Tools.Select(async policy =>
        {
            if (!tools.TryGetValue(policy.Name, out var tool)) return (policy, version: null, known: false, unreadable: null);
            // a version command that fails or prints something else is one problem among the others, not the end of preflight
            try { return (policy, version: await tool.VersionAsync(cancel), known: true, unreadable: (string?)null); }
            catch (ToolFailedException e) { return (policy, version: (string?)null, known: true, unreadable: e.Message); }
        }));
        foreach (var (policy, version, known, unreadable) in versions)
        {
            if (!known) problems.Add($"{policy.At} names tool '{policy.Name}', which homeops does not drive");
            else if (unreadable is not null) problems.Add($"{policy.Name}: {unreadable} (supported: {ToolVersions.Accepted(context, policy)})");
            else if (ToolVersions.Problem(context, policy, version) is { } problem) problems.Add(problem);
        }
        problems.AddRange(tools.Keys.Where(t => context.Plan.Tool(t) is null).Select(t =>
            $"bootstrap-config.yaml tools has no entry for {t}, so no {t} version is known to work; add its rows (docs/tools.md)"));
        var probes = context.Talos.Nodes.Select(async n => (n, state: await context.Tools.Talosctl.StateAsync(n.Node.IpAddress, context.Talosconfig, cancel)));
        foreach (var (node, state) in await Task.WhenAll(probes))
        {
            // once an earlier run started applying configs, a node may be installing and rebooting: talos-config waits for it
            // (and names it if it never comes back)
            if (state != TalosNodeState.Unreachable || context.StepDone(TalosConfigPhase.StartedStep)) continue;
            problems.Add($"{node.Hostname} ({node.Node.IpAddress}) does not answer on the Talos API port {TalosApiPort}: is it powered on and booted from the Talos image? " +
                "(a node that was just sent its config reboots for a minute or two: then `homeops bootstrap --resume` again)");
        }
        problems.AddRange(context.Validation.Where(d => d.Severity == Severity.Error).Take(10).Select(d => $"validate: {d.Location} {d.Rule} {d.Message}"));
        return problems;
    }
}
