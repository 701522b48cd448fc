using System.Text.RegularExpressions;
using HomeOps.Model;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Bootstrap.Phases;

/// <summary>
/// The gate before anything changes: the tools at the required versions, every node answering on
/// the Talos API (asked through talosctl, in maintenance mode or configured), and a repository that validates. It changes nothing, so "done" means "the
/// checks pass now".
/// </summary>
public sealed partial class PreflightPhase : IPhase
{
    public const int TalosApiPort = 50000;

    public string Name => "preflight";

    [GeneratedRegex(@"\d+\.\d+\.\d+")]
    private static partial Regex Semver();

    public async Task<bool> IsDoneAsync(BootstrapContext context, CancellationToken cancel) => (await ProblemsAsync(context, cancel)).Count == 0;

    public async Task RunAsync(BootstrapContext context, CancellationToken cancel)
    {
        var problems = await ProblemsAsync(context, cancel);
        if (problems.Count > 0)
            throw new PhaseFailedException($"{problems.Count} preflight check(s) failed:\n  - {string.Join("\n  - ", problems)}",
                nextStep: "fix these, then `homeops bootstrap` (nothing has been changed yet)");
    }

    public IEnumerable<string> Describe(BootstrapContext context) =>
        context.Plan.Config.Tools.Select(t => $"{t.Name} version (need ≥ {t.MinVersion})")
            .Concat(context.Talos.Nodes.Select(n => $"talosctl get machinestatus --nodes {n.Node.IpAddress} (answers on the Talos API, port {TalosApiPort})"))
            .Append("homeops validate (0 errors)");

    private static async Task<List<string>> ProblemsAsync(BootstrapContext context, CancellationToken cancel)
    {
        var problems = new List<string>();
        var tools = context.Tools.All.ToDictionary(t => t.Name);
        var versions = await Task.WhenAll(context.Plan.Config.Tools.Select(async required =>
            (required, version: tools.TryGetValue(required.Name, out var tool) ? await tool.VersionAsync(cancel) : null, known: tool is not null)));
        foreach (var (required, version, known) in versions)
        {
            if (!known) { problems.Add($"bootstrap-config.yaml names tool '{required.Name}', which homeops does not drive"); continue; }
            if (version is null) { problems.Add($"{required.Name} is not installed (not on PATH); need {required.MinVersion} or newer"); continue; }
            if (ReleaseVersion.TryParse(required.MinVersion, out var minimum) && ReleaseVersion.TryParse(Semver().Match(version).Value, out var found) && found < minimum)
                problems.Add($"{required.Name} {found} is older than the required {minimum}");
        }
        var probes = context.Talos.Nodes.Select(async n => (n, state: await context.Tools.Talosctl.StateAsync(n.Node.IpAddress, context.Talosconfig, cancel)));
        foreach (var (node, state) in await Task.WhenAll(probes))
            if (state == TalosNodeState.Unreachable) problems.Add($"{node.Hostname} ({node.Node.IpAddress}) does not answer on the Talos API port {TalosApiPort}: is it powered on and booted from the Talos image?");
        problems.AddRange(context.Validation.Where(d => d.Severity == Severity.Error).Take(10).Select(d => $"validate: {d.Location} {d.Rule} {d.Message}"));
        return problems;
    }
}
