using HomeOps.Model;
using HomeOps.Model.Bootstrap;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Compile.Bootstrap;

/// <summary>One phase as the engine runs it: its settings resolved against the defaults.</summary>
public sealed record PhasePlan(string Name, TimeSpan Timeout, int Retries, TimeSpan RetryDelay, PhaseSettings Settings);

/// <summary>bootstrap-config.yaml, checked and resolved: the phases in their required order with durations parsed.</summary>
public sealed record BootstrapPlan(BootstrapConfig Config, IReadOnlyList<PhasePlan> Phases, TimeSpan HealthCheckInterval)
{
    /// <summary>The tool version matrix (bootstrap-config.yaml `tools:`).</summary>
    public IReadOnlyList<ToolPolicy> Tools { get; init; } = [];

    /// <summary>The matrix entry of <paramref name="tool"/>; null when bootstrap-config.yaml does not list it.</summary>
    public ToolPolicy? Tool(string tool) => Tools.FirstOrDefault(t => t.Name == tool);

    /// <summary>The phases bootstrap knows, in the only order that works (each needs what the previous built).</summary>
    public static readonly string[] PhaseOrder =
        ["preflight", "talos-config", "etcd-bootstrap", "kubeconfig", "wait-nodes", "cilium", "onepassword", "external-secrets", "flux", "verify"];

    public PhasePlan Phase(string name) => Phases.First(p => p.Name == name);

    public static BootstrapPlan? Load(ISourceTree tree, FindingBag findings, string path = RepoFiles.BootstrapConfig)
    {
        if (!tree.Exists(path))
        {
            findings.Add(Finding.Error("bootstrap/config", SourceLocation.InFile(path), $"{path} not found in {tree.Root}",
                "bootstrap is driven by bootstrap-config.yaml at the repository root; see the reference repository's copy"));
            return null;
        }
        var documents = YamlDocuments.Parse(tree.ReadText(path), path, findings);
        if (documents.Count != 1 || documents[0].RootNode is not YamlMappingNode root)
        {
            if (!findings.HasErrors) findings.Add(Finding.Error("bootstrap/config", SourceLocation.InFile(path), $"{path} must hold one YAML mapping"));
            return null;
        }
        var config = new YamlBinder(path, findings).Bind<BootstrapConfig>(root);
        if (config is null || findings.HasErrors) return null;
        return Resolve(config, findings);
    }

    private static BootstrapPlan? Resolve(BootstrapConfig config, FindingBag findings)
    {
        TimeSpan Duration(string? text, TimeSpan fallback, Located owner, string key)
        {
            if (text is null) return fallback;
            if (GoDuration.TryParse(text, out var value) && value > TimeSpan.Zero) return value;
            findings.Add(Finding.Error("bootstrap/config", owner.LocationOf(key), $"{key} '{text}' is not a duration", "write it like 90s, 10m or 1h30m"));
            return fallback;
        }
        var defaults = config.Defaults;
        var timeout = Duration(defaults.Timeout, TimeSpan.FromMinutes(10), defaults, "timeout");
        var delay = Duration(defaults.RetryDelay, TimeSpan.FromSeconds(10), defaults, "retryDelay");
        var interval = Duration(defaults.HealthCheckInterval, TimeSpan.FromSeconds(5), defaults, "healthCheckInterval");
        var phases = new List<PhasePlan>();
        foreach (var phase in config.Phases)
        {
            if (!PhaseOrder.Contains(phase.Name))
            {
                findings.Add(Finding.Error("bootstrap/config", phase.LocationOf("name"), $"unknown phase '{phase.Name}'",
                    Suggest.Nearest(phase.Name, PhaseOrder) is { } near ? $"did you mean '{near}'?" : $"phases: {string.Join(", ", PhaseOrder)}"));
                continue;
            }
            if (phases.Any(p => p.Name == phase.Name))
            {
                findings.Add(Finding.Error("bootstrap/config", phase.LocationOf("name"), $"phase '{phase.Name}' is listed twice"));
                continue;
            }
            if (phases.Count > 0 && Array.IndexOf(PhaseOrder, phases[^1].Name) > Array.IndexOf(PhaseOrder, phase.Name))
                findings.Add(Finding.Error("bootstrap/config", phase.LocationOf("name"), $"phase '{phase.Name}' is listed after '{phases[^1].Name}'",
                    $"phases run in this order: {string.Join(" → ", PhaseOrder)}"));
            phases.Add(new PhasePlan(phase.Name, Duration(phase.Timeout, timeout, phase, "timeout"), phase.Retries ?? defaults.Retries,
                Duration(phase.RetryDelay, delay, phase, "retryDelay"), phase));
        }
        foreach (var missing in PhaseOrder.Where(name => phases.All(p => p.Name != name)))
            findings.Add(Finding.Error("bootstrap/config", config.LocationOf("phases"), $"phase '{missing}' is missing",
                "every phase must be listed (a phase that has nothing to do skips itself)"));
        var tools = ToolPolicy.From(config.Tools, findings);
        return findings.HasErrors ? null : new BootstrapPlan(config, phases, interval) { Tools = tools };
    }
}
