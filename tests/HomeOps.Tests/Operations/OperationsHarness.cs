using System.Text.Json.Nodes;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Operations;

/// <summary>
/// An operator's clone of the reference repository (talconfig.yaml with mini01..03 at .11-.13, a talosconfig from
/// genconfig) and the stand-in talosctl playing an existing, healthy 3-node cluster; runs the real CLI.
/// </summary>
public sealed class OperationsHarness : IDisposable
{
    private readonly TempDir _temp = new();
    public StandIns StandIns { get; } = new();
    public string Root => _temp.Path;

    public static readonly (string Ip, string Host)[] Nodes = [("172.29.51.11", "mini01"), ("172.29.51.12", "mini02"), ("172.29.51.13", "mini03")];

    /// <summary>Calls that change a node (the reads are get, etcd members/status, version), and upgrade-k8s even as a dry run.</summary>
    public static readonly string[] Mutating = ["reset", "upgrade", "upgrade-k8s", "etcd snapshot", "apply-config", "bootstrap"];

    /// <param name="gitops">Copy the reference's GitOps tree too (for commands that judge the cluster against it, like status).</param>
    public OperationsHarness(bool gitops = false)
    {
        Repo.CopyReference(_temp, gitops: gitops);
        _temp.Write("talos/clusterconfig/talosconfig", "context: admin@home-ops\ncontexts: {}\n");
        StandIns.SetKnobs("""
            {"talos": {"bootstrapped": true, "etcdMembers": ["172.29.51.11", "172.29.51.12", "172.29.51.13"],
                       "hostnames": {"172.29.51.11": "mini01", "172.29.51.12": "mini02", "172.29.51.13": "mini03"}}}
            """);
    }

    /// <summary>Adds or replaces keys under knobs.talos (e.g. notReady, unreachable).</summary>
    public void Talos(string key, JsonNode value)
    {
        var knobs = StandIns.Knobs;
        knobs["talos"]![key] = value;
        StandIns.Knobs = knobs;
    }

    /// <summary>Makes talosctl COMMAND on NODE fail once with STDERR (knobs.fail).</summary>
    public void Fail(string command, string node, string stderr)
    {
        var knobs = StandIns.Knobs;
        knobs["fail"] = new JsonArray(new JsonObject { ["tool"] = "talosctl", ["command"] = command, ["node"] = node, ["stderr"] = stderr });
        StandIns.Knobs = knobs;
    }

    /// <summary>Adds a knobs delay entry: talosctl COMMAND on NODE sleeps that long after logging the call.</summary>
    public void Delay(string command, string node, double seconds)
    {
        var knobs = StandIns.Knobs;
        var delays = knobs["delay"]?.AsArray() ?? [];
        delays.Add(new JsonObject { ["tool"] = "talosctl", ["command"] = command, ["node"] = node, ["seconds"] = seconds });
        knobs["delay"] = delays.DeepClone();
        StandIns.Knobs = knobs;
    }

    /// <summary>
    /// --kubeconfig FILE and --api-server with the server FILE names: the tests' API server (on 127.0.0.1) stands in for the
    /// cluster talconfig.yaml reaches at its endpoint, as a tunnel would, so the kubeconfig identity check (issue 17) lets it through.
    /// </summary>
    public static string[] ThroughTunnel(string kubeconfig) =>
        ["--kubeconfig", kubeconfig, "--api-server", System.Text.RegularExpressions.Regex.Match(File.ReadAllText(kubeconfig), @"server:\s*""?([^""\s,}]+)").Groups[1].Value];

    public ProcessResult Run(string stdin, params string[] arguments) =>
        Process.HomeOpsWithInput(Root, StandIns.Environment.ToDictionary(), stdin, arguments);

    public JsonObject Node(string ip) => StandIns.StateOf("talos.json")["nodes"]?[ip]?.AsObject() ?? new JsonObject();

    public IReadOnlyList<StandIns.Call> MutatingCalls => StandIns.Calls.Where(c => Mutating.Contains(c.Command)).ToList();

    public IReadOnlyList<string> Violations => StandIns.StateOf("talos.json")["violations"]?.AsArray().Select(v => v!.GetValue<string>()).ToList() ?? [];

    public string TalConfig => File.ReadAllText(Path.Combine(Root, "talconfig.yaml"));

    public void Dispose()
    {
        StandIns.Dispose();
        _temp.Dispose();
    }
}
