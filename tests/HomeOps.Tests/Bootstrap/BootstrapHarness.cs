using System.Text.Json.Nodes;
using HomeOps.Adapters.Files;
using HomeOps.Adapters.Schemas;
using HomeOps.Compile.Bootstrap;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Operations;
using HomeOps.Operations.Bootstrap;
using HomeOps.Operations.Bootstrap.Phases;
using HomeOps.Operations.Talos;
using HomeOps.Operations.Tools;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Bootstrap;

/// <summary>
/// A scratch clone of the reference repository (with a real secrets bundle) and the engine wired to an in-memory cluster on
/// virtual time (<see cref="VirtualTime"/>): every wait, retry delay and phase deadline runs on <see cref="Time"/>'s clock, so
/// minutes of rebooting nodes and slow installs take no real time and no test depends on how fast the machine is. The
/// bootstrap-config.yaml written here has the retry and health-check delays shortened for the CLI tests, which run in real time.
/// </summary>
public sealed class BootstrapHarness : IDisposable
{
    private readonly TempDir _temp = new();
    public string Root => _temp.Path;
    public FakeCluster Cluster { get; } = new();
    public List<BootstrapEvent> Events { get; } = [];
    public VirtualTime Time { get; } = new();

    public static string ValidCredentials => new JsonObject
    {
        ["verifier"] = new JsonObject { ["salt"] = "c2FsdHNhbHRzYWx0", ["localHash"] = "aGFzaGhhc2hoYXNoaGFzaA" },
        ["encCredentials"] = new JsonObject { ["kid"] = "localauthv2keykid", ["enc"] = "A256GCM", ["cty"] = "b5+jwk+json", ["iv"] = "aXZpdml2aXZpdml2", ["data"] = new string('A', 64) },
        ["version"] = "2",
        ["deviceUuid"] = "abcdefghijklmnopqrstuvwxyz",
        ["uniqueKey"] = new JsonObject { ["alg"] = "A256GCM", ["ext"] = true, ["k"] = new string('k', 43), ["key_ops"] = new JsonArray("decrypt", "encrypt"), ["kty"] = "oct", ["kid"] = "uniquekid" },
    }.ToJsonString();

    public BootstrapHarness()
    {
        Repo.CopyReference(_temp, git: false);
        foreach (var folder in new[] { "clusters", "infrastructure", "apps" })
            Repo.CopyDirectory(Path.Combine(Repo.Root, folder), Path.Combine(Root, folder));
        var config = File.ReadAllText(Path.Combine(Repo.Root, RepoFiles.BootstrapConfig))
            .Replace("retryDelay: 10s", "retryDelay: 50ms").Replace("healthCheckInterval: 5s", "healthCheckInterval: 100ms");
        File.WriteAllText(Path.Combine(Root, RepoFiles.BootstrapConfig), config);
        Process.Run("git", Root, "init", "-q");
        Process.Run("git", Root, "add", "-A");
        Process.Run("git", Root, "-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "-qm", "reference");
        Workflow.GenerateSecrets(TalosConfigPhase.SecretsPath, force: false);
        foreach (var (ip, host) in new[] { ("172.29.51.11", "mini01"), ("172.29.51.12", "mini02"), ("172.29.51.13", "mini03") })
        {
            Cluster.Nodes[ip] = TalosNodeState.Maintenance;
            Cluster.Hostnames[ip] = host;
        }
        Cluster.Items["1Password Connect Credentials - home-ops"] = new OnePasswordItem("creds", new Dictionary<string, string> { ["credentials"] = ValidCredentials });
        Cluster.Items["1Password Connect Token - home-ops"] = new OnePasswordItem("token", new Dictionary<string, string> { ["token"] = "eyJhbGciOiJFUzI1NiJ9.token" });
        Cluster.Clock = Time.Clock;
    }

    public IWorkspace Workspace => new DiskWorkspace(Root, new GitCli());

    public TalosWorkflow Workflow => new(new DiskSourceTree(Root), Workspace, new SchemaStore([Repo.Schemas], Path.Combine(Root, ".schema-cache")), TimeProvider.System);

    public string StatePath => Path.Combine(Root, ".homeops", "bootstrap-state.json");

    public BootstrapEngine Engine() => new(BootstrapPhases.All(), new StateFile(StatePath));

    public BootstrapContext Context()
    {
        var findings = new FindingBag();
        var plan = BootstrapPlan.Load(new DiskSourceTree(Root), findings) ?? throw new InvalidOperationException(string.Join("\n", findings.Sorted()));
        var talos = Workflow.Plan(RepoFiles.TalConfig, new Dictionary<string, string>(), findings);
        var repo = new DiskRepository(new GitCli()).Load(Root, new Dictionary<string, string>());
        var api = new FakeCluster.Api(Cluster);
        return new BootstrapContext(plan, talos, repo, Cluster.Tools(), api, Workflow, Workspace, new Recorder(Events), Time.Clock, Guid.NewGuid().ToString("N"));
    }

    /// <summary>One bootstrap run on virtual time; it finishes (or fails) before this returns.</summary>
    public Task<BootstrapState> RunAsync(BootstrapOptions? options = null, CancellationToken cancel = default)
    {
        try { return Task.FromResult(Time.Run(() => Engine().RunAsync(Context(), options ?? new BootstrapOptions(), cancel))); }
        catch (Exception e) { return Task.FromException<BootstrapState>(e); }
    }

    public IReadOnlyList<string> CallsStartingWith(string prefix) => Cluster.Calls.Where(c => c.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    private sealed class Recorder(List<BootstrapEvent> events) : IBootstrapEvents
    {
        public void Emit(BootstrapEvent e)
        {
            lock (events) events.Add(e);
        }
    }

    public void Dispose() => _temp.Dispose();
}
