using System.Collections.Concurrent;
using HomeOps.Operations.Bootstrap;
using HomeOps.Operations.Tools;

namespace HomeOps.Tests.Bootstrap;

/// <summary>
/// In-memory stand-ins for the tools and the API, for engine tests that need no processes. They
/// behave like the real cluster: applying a config configures the node, bootstrapping starts etcd,
/// a second insecure apply or bootstrap fails. Every call is logged for assertions.
/// </summary>
public sealed class FakeCluster
{
    public ConcurrentQueue<string> Calls { get; } = new();
    public ConcurrentDictionary<string, TalosNodeState> Nodes { get; } = new();
    public Dictionary<string, string> Hostnames { get; } = [];
    public bool EtcdRunning { get; set; }
    public ConcurrentDictionary<string, HelmReleaseStatus> Releases { get; } = new();
    public ConcurrentDictionary<string, Dictionary<string, byte[]>> Secrets { get; } = new();
    public bool FluxInstalled { get; set; }
    public bool RootApplied { get; set; }
    public Dictionary<string, OnePasswordItem> Items { get; } = [];

    /// <summary>Document items' file content by item title (`op document get`).</summary>
    public Dictionary<string, string> Documents { get; } = [];

    /// <summary>Fail the next call whose log line starts with this prefix, once.</summary>
    public ConcurrentDictionary<string, int> FailNext { get; } = new();

    public void Log(string call)
    {
        Calls.Enqueue(call);
        foreach (var (prefix, count) in FailNext)
            if (count > 0 && call.StartsWith(prefix, StringComparison.Ordinal) && FailNext.TryUpdate(prefix, count - 1, count))
                throw new ToolFailedException(new ToolResult(call, 1, "", $"injected failure of {prefix}"));
    }

    public BootstrapTools Tools() => new(new Talosctl(this, "talosctl"), new Kubectl(this, "kubectl"), new Helm(this, "helm"), new Flux(this, "flux"),
        new Cilium(this, "cilium"), new OnePassword(this, "op"));

    /// <summary>The version each tool reports (tests change one to play an unsupported install); the defaults are the verified ones.</summary>
    public ConcurrentDictionary<string, string?> Versions { get; } = new(new Dictionary<string, string?>
    {
        ["talosctl"] = "v1.10.5",
        ["kubectl"] = "v1.32.4",
        ["helm"] = "v3.16.4",
        ["flux"] = "v2.6.4",
        ["cilium"] = "v0.16.24",
        ["op"] = "v2.31.1",
    });

    private abstract class Tool(string name, ConcurrentDictionary<string, string?> versions) : IVersionedTool
    {
        public string Name => name;
        public Task<string?> VersionAsync(CancellationToken cancel) => Task.FromResult(versions.GetValueOrDefault(name));
    }

    private sealed class Talosctl(FakeCluster c, string name) : Tool(name, c.Versions), ITalosctl
    {
        public Task<TalosNodeState> StateAsync(string node, string talosconfig, CancellationToken cancel) => Task.FromResult(c.Nodes.GetValueOrDefault(node));

        public Task ApplyConfigInsecureAsync(string node, string configFile, CancellationToken cancel)
        {
            c.Log($"talosctl apply-config --insecure {node}");
            if (c.Nodes[node] != TalosNodeState.Maintenance) throw new ToolFailedException(new ToolResult($"talosctl apply-config --insecure --nodes {node}", 1, "", "certificate required"));
            c.Nodes[node] = TalosNodeState.Configured;
            return Task.CompletedTask;
        }

        public Task<bool> EtcdRunningAsync(string node, string talosconfig, CancellationToken cancel) => Task.FromResult(c.EtcdRunning);

        public Task BootstrapAsync(string node, string talosconfig, CancellationToken cancel)
        {
            c.Log($"talosctl bootstrap {node}");
            if (c.EtcdRunning) throw new ToolFailedException(new ToolResult("talosctl bootstrap", 1, "", "AlreadyExists"));
            c.EtcdRunning = true;
            return Task.CompletedTask;
        }

        public Task KubeconfigAsync(string node, string talosconfig, string path, CancellationToken cancel)
        {
            c.Log("talosctl kubeconfig");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "apiVersion: v1\nkind: Config\n");
            return Task.CompletedTask;
        }
    }

    private sealed class Kubectl(FakeCluster c, string name) : Tool(name, c.Versions), IKubectl
    {
        public Task ApplyKustomizationAsync(string directory, string kubeconfig, CancellationToken cancel)
        {
            c.Log($"kubectl apply -k {Path.GetFileName(directory)}");
            c.RootApplied = true;
            return Task.CompletedTask;
        }
    }

    private sealed class Helm(FakeCluster c, string name) : Tool(name, c.Versions), IHelm
    {
        public Task<HelmReleaseStatus?> StatusAsync(string release, string ns, string kubeconfig, CancellationToken cancel) =>
            Task.FromResult(c.Releases.GetValueOrDefault($"{ns}/{release}"));

        public Task UpgradeInstallAsync(HelmInstall install, string kubeconfig, CancellationToken cancel)
        {
            c.Log($"helm upgrade --install {install.Namespace}/{install.Release} {install.Chart} {install.Version}");
            c.Releases[$"{install.Namespace}/{install.Release}"] = new HelmReleaseStatus(install.Release, install.Namespace, "deployed", install.Version, 1);
            return Task.CompletedTask;
        }
    }

    private sealed class Flux(FakeCluster c, string name) : Tool(name, c.Versions), IFlux
    {
        public Task InstallAsync(string kubeconfig, CancellationToken cancel)
        {
            c.Log("flux install");
            c.FluxInstalled = true;
            return Task.CompletedTask;
        }
    }

    private sealed class Cilium(FakeCluster c, string name) : Tool(name, c.Versions), ICilium
    {
        public Task<CiliumHealth> StatusAsync(string kubeconfig, CancellationToken cancel) =>
            Task.FromResult(new CiliumHealth(c.Releases.ContainsKey("kube-system/cilium"), []));

        public Task<CiliumBgpAnswer<PeerSession>> BgpPeersAsync(string kubeconfig, IReadOnlyCollection<string> nodes, CancellationToken cancel) =>
            Task.FromResult(new CiliumBgpAnswer<PeerSession>(c.Hostnames.Values.Select(h => new PeerSession(h, "172.29.51.1", 64513, "established", 3)).ToList(),
                new Dictionary<string, string>()));

        public Task<CiliumBgpAnswer<AdvertisedRoute>> AdvertisedRoutesAsync(string afi, string kubeconfig, IReadOnlyCollection<string> nodes, CancellationToken cancel) =>
            Task.FromResult(new CiliumBgpAnswer<AdvertisedRoute>([], new Dictionary<string, string>()));
    }

    private sealed class OnePassword(FakeCluster c, string name) : Tool(name, c.Versions), IOnePassword
    {
        public Task<OnePasswordItem?> ItemAsync(string account, string vault, string item, CancellationToken cancel)
        {
            c.Log($"op item get {item}");
            return Task.FromResult(c.Items.GetValueOrDefault(item));
        }

        public Task<string?> DocumentAsync(string account, string vault, string item, CancellationToken cancel)
        {
            c.Log($"op document get {item}");
            return Task.FromResult(c.Documents.GetValueOrDefault(item));
        }
    }

    /// <summary>The API server's view: nodes register once configured and etcd runs; Ready once Cilium is installed.</summary>
    public sealed class Api(FakeCluster c) : IClusterApi, IClusterApiFactory
    {
        public IClusterApi Connect(string kubeconfigPath) => this;

        public Task<IReadOnlyList<NodeStatus>> NodesAsync(CancellationToken cancel) => Task.FromResult<IReadOnlyList<NodeStatus>>(
            c.EtcdRunning
                ? c.Nodes.Where(n => n.Value == TalosNodeState.Configured).Select(n => new NodeStatus(c.Hostnames[n.Key], [n.Key], c.Releases.ContainsKey("kube-system/cilium"))).ToList()
                : []);

        public Task<bool> SecretHasKeysAsync(string @namespace, string name, IReadOnlyCollection<string> keys, CancellationToken cancel) =>
            Task.FromResult(c.Secrets.TryGetValue($"{@namespace}/{name}", out var data) && keys.All(data.ContainsKey));

        public Task ApplySecretAsync(string @namespace, string name, IReadOnlyDictionary<string, byte[]> data, CancellationToken cancel)
        {
            c.Log($"apply secret {@namespace}/{name}");
            c.Secrets[$"{@namespace}/{name}"] = data.ToDictionary();
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<KustomizationStatus>> KustomizationsAsync(CancellationToken cancel) => Task.FromResult<IReadOnlyList<KustomizationStatus>>(
            c.FluxInstalled && c.RootApplied ? [new KustomizationStatus("flux-system", "flux-system", true, "Applied revision: main@sha1:abc")] : []);
    }
}
