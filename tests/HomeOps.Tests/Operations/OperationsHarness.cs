using System.Text.Json.Nodes;
using HomeOps.Adapters.Cluster;
using HomeOps.Adapters.Files;
using HomeOps.Adapters.Schemas;
using HomeOps.Adapters.Tools;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Operations.Maintenance;
using HomeOps.Operations.Talos;
using HomeOps.Operations.Tools;
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
    public static string[] ThroughTunnel(string kubeconfig) => ["--kubeconfig", kubeconfig, "--api-server", ServerOf(kubeconfig)];

    private static string ServerOf(string kubeconfig) =>
        System.Text.RegularExpressions.Regex.Match(File.ReadAllText(kubeconfig), @"server:\s*""?([^""\s,}]+)").Groups[1].Value;

    /// <summary>
    /// The day-2 operations in this process, composed as the CLI composes them (the stand-in talosctl, the Kubernetes API at
    /// <paramref name="kubeconfig"/>) but on <paramref name="time"/>'s virtual clock; every talosctl and API call is real work
    /// that takes no virtual time (<see cref="VirtualTime.Wrap"/>), reached as through a tunnel (<see cref="ThroughTunnel"/>).
    /// Run it with <c>time.Run(...)</c>.
    /// </summary>
    public ClusterOperations Operations(VirtualTime time, string kubeconfig, TimeSpan nodeTimeout, IOperatorConsole console)
    {
        var workspace = new DiskWorkspace(Root, new GitCli());
        var workflow = new TalosWorkflow(new DiskSourceTree(Root), workspace, new SchemaStore([Repo.Schemas], Path.Combine(Root, ".schema-cache")), TimeProvider.System);
        var findings = new FindingBag();
        var plan = workflow.Plan(RepoFiles.TalConfig, new Dictionary<string, string>(), findings);
        Assert.False(findings.HasErrors, string.Join("\n", findings.Sorted()));
        return new ClusterOperations(time.Wrap<ITalosctl>(new Talosctl(StandIns.Runner)), plan, workspace, console, time.Clock,
            new WaitSettings(nodeTimeout, TimeSpan.FromSeconds(5)), () => time.Wrap(new KubernetesClusterReaderFactory().Connect(kubeconfig)),
            ServerOf(kubeconfig), kubeconfig);
    }

    /// <summary>What an operation says, with a hook on each line (the test's way to act at a point of the operation); it agrees to everything.</summary>
    public sealed class RecordingConsole : IOperatorConsole
    {
        public List<string> Lines { get; } = [];

        public Action<string>? OnSay { get; set; }

        public void Say(string line)
        {
            Lines.Add(line);
            OnSay?.Invoke(line);
        }

        public bool Confirm(string question) => true;

        public string? Ask(string prompt) => null;
    }

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
