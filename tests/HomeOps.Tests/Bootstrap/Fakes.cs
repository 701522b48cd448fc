using System.Collections.Concurrent;
using HomeOps.Operations.Bootstrap;
using HomeOps.Operations.Observe;
using HomeOps.Operations.Tools;

namespace HomeOps.Tests.Bootstrap;

/// <summary>
/// In-memory stand-ins for the tools and the API, for engine tests that need no processes. They behave like the real
/// cluster, on the clock the test hands them (<see cref="Clock"/>, virtual in the harness): applying a config makes the node
/// install and reboot (it answers nothing for <see cref="Timing.Reboot"/>, then answers configured), bootstrapping starts
/// etcd after <see cref="Timing.EtcdStart"/> and the API server after <see cref="Timing.ApiStart"/> (until then every API
/// call is a <see cref="ClusterUnreachableException"/>), a Helm install takes <see cref="Timing.HelmInstall"/>, Flux reports
/// its root Kustomization Ready <see cref="Timing.FluxReconcile"/> after its entry point is applied; a second insecure apply
/// or bootstrap fails. Every call is logged for assertions.
/// </summary>
public sealed class FakeCluster
{
    /// <summary>How long things take in this cluster; zero everywhere is an instant cluster.</summary>
    public sealed record Timing
    {
        public Func<string, TimeSpan> Reboot { get; init; } = _ => TimeSpan.Zero;
        public TimeSpan EtcdStart { get; init; }
        public TimeSpan ApiStart { get; init; }
        public TimeSpan HelmInstall { get; init; }
        public TimeSpan FluxInstall { get; init; }
        public TimeSpan FluxReconcile { get; init; }
    }

    public TimeProvider Clock { get; set; } = TimeProvider.System;
    public Timing Times { get; set; } = new();

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

    /// <summary>Nodes whose Cilium agent does not answer `cilium bgp` (reported as unanswered, the others still listed).</summary>
    public ConcurrentDictionary<string, string> SilentAgents { get; } = new();

    /// <summary>When each node answers again after its reboot (absent: it answers).</summary>
    public ConcurrentDictionary<string, DateTimeOffset> BackAt { get; } = new();

    /// <summary>When each node answered configured for the first time after its apply-config.</summary>
    public ConcurrentDictionary<string, DateTimeOffset> ConfiguredSeenAt { get; } = new();

    private DateTimeOffset? _etcdBootstrappedAt;
    private DateTimeOffset? _rootAppliedAt;

    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>Fail the next call whose log line starts with this prefix, once.</summary>
    public ConcurrentDictionary<string, int> FailNext { get; } = new();

    /// <summary>Called with every logged call after it is logged (a test's way to act at an exact point of the run).</summary>
    public Action<string>? OnCall { get; set; }

    public void Log(string call)
    {
        Calls.Enqueue(call);
        OnCall?.Invoke(call);
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

    private bool EtcdUp => EtcdRunning && (_etcdBootstrappedAt is not { } at || Now >= at + Times.EtcdStart);

    /// <summary>Whether etcd has started (not only been bootstrapped), as the clock stands now.</summary>
    public bool EtcdRunningAfterStart => EtcdUp;

    private void ApiAnswers()
    {
        if (!EtcdUp || (_etcdBootstrappedAt is { } at && Now < at + Times.EtcdStart + Times.ApiStart))
            throw new ClusterUnreachableException("the Kubernetes API at https://172.29.51.10:6443 does not answer: Connection refused (172.29.51.10:6443)");
    }

    private abstract class Tool(string name, ConcurrentDictionary<string, string?> versions) : IVersionedTool
    {
        public string Name => name;
        public Task<string?> VersionAsync(CancellationToken cancel) => Task.FromResult(versions.GetValueOrDefault(name));
    }

    private sealed class Talosctl(FakeCluster c, string name) : Tool(name, c.Versions), ITalosctl
    {
        public Task<TalosNodeState> StateAsync(string node, string talosconfig, CancellationToken cancel)
        {
            if (c.BackAt.TryGetValue(node, out var back) && c.Now < back) return Task.FromResult(TalosNodeState.Unreachable);
            var state = c.Nodes.GetValueOrDefault(node);
            if (state == TalosNodeState.Configured) c.ConfiguredSeenAt.TryAdd(node, c.Now);
            return Task.FromResult(state);
        }

        public Task ApplyConfigInsecureAsync(string node, string configFile, CancellationToken cancel)
        {
            c.Log($"talosctl apply-config --insecure {node}");
            if (c.BackAt.TryGetValue(node, out var back) && c.Now < back)
                throw new ToolFailedException(new ToolResult($"talosctl apply-config --insecure --nodes {node}", 1, "", "connect: no route to host"));
            if (c.Nodes[node] != TalosNodeState.Maintenance) throw new ToolFailedException(new ToolResult($"talosctl apply-config --insecure --nodes {node}", 1, "", "certificate required"));
            c.Nodes[node] = TalosNodeState.Configured;
            c.BackAt[node] = c.Now + c.Times.Reboot(node); // installs to disk and reboots: no answer until then
            return Task.CompletedTask;
        }

        public Task<bool> EtcdRunningAsync(string node, string talosconfig, CancellationToken cancel) => Task.FromResult(c.EtcdUp);

        public Task<bool> BootstrapAsync(string node, string talosconfig, CancellationToken cancel)
        {
            c.Log($"talosctl bootstrap {node}");
            if (c.EtcdRunning) return Task.FromResult(false); // Talos: AlreadyExists, etcd data directory is not empty
            c.EtcdRunning = true;
            c._etcdBootstrappedAt = c.Now;
            return Task.FromResult(true);
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
            c.ApiAnswers();
            c.RootApplied = true;
            c._rootAppliedAt ??= c.Now;
            return Task.CompletedTask;
        }
    }

    private sealed class Helm(FakeCluster c, string name) : Tool(name, c.Versions), IHelm
    {
        public Task<HelmReleaseStatus?> StatusAsync(string release, string ns, string kubeconfig, CancellationToken cancel) =>
            Task.FromResult(c.Releases.GetValueOrDefault($"{ns}/{release}"));

        public async Task UpgradeInstallAsync(HelmInstall install, string kubeconfig, CancellationToken cancel)
        {
            c.Log($"helm upgrade --install {install.Namespace}/{install.Release} {install.Chart} {install.Version}");
            c.ApiAnswers();
            await Task.Delay(c.Times.HelmInstall, c.Clock, cancel); // --wait: until the release's workloads are ready
            c.Releases[$"{install.Namespace}/{install.Release}"] = new HelmReleaseStatus(install.Release, install.Namespace, "deployed", install.Version, 1);
        }
    }

    private sealed class Flux(FakeCluster c, string name) : Tool(name, c.Versions), IFlux
    {
        public async Task InstallAsync(string kubeconfig, CancellationToken cancel)
        {
            c.Log("flux install");
            c.ApiAnswers();
            await Task.Delay(c.Times.FluxInstall, c.Clock, cancel); // waits for the controllers' Deployments
            c.FluxInstalled = true;
        }
    }

    private sealed class Cilium(FakeCluster c, string name) : Tool(name, c.Versions), ICilium
    {
        public Task<CiliumHealth> StatusAsync(string kubeconfig, CancellationToken cancel) =>
            Task.FromResult(new CiliumHealth(c.Releases.ContainsKey("kube-system/cilium"), []));

        public Task<CiliumBgpAnswer<PeerSession>> BgpPeersAsync(string kubeconfig, IReadOnlyCollection<string> nodes, CancellationToken cancel) =>
            Task.FromResult(new CiliumBgpAnswer<PeerSession>(
                c.Hostnames.Values.Where(h => !c.SilentAgents.ContainsKey(h)).Select(h => new PeerSession(h, "172.29.51.1", 64513, "established", 3)).ToList(),
                c.SilentAgents.Where(s => nodes.Contains(s.Key)).ToDictionary(s => s.Key, s => s.Value)));

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

    /// <summary>
    /// The API server's view: nothing answers until etcd and then the API server have started; nodes register once
    /// configured, Ready once Cilium is installed; the root Kustomization is Ready once Flux reconciled its entry point.
    /// </summary>
    public sealed class Api(FakeCluster c) : IClusterApi, IClusterApiFactory
    {
        public IClusterApi Connect(string kubeconfigPath) => this;

        public Task<IReadOnlyList<NodeStatus>> NodesAsync(CancellationToken cancel)
        {
            c.ApiAnswers();
            return Task.FromResult<IReadOnlyList<NodeStatus>>(c.Nodes.Where(n => n.Value == TalosNodeState.Configured)
                .Select(n => new NodeStatus(c.Hostnames[n.Key], [n.Key], c.Releases.ContainsKey("kube-system/cilium"))).ToList());
        }

        public Task<bool> SecretHasKeysAsync(string @namespace, string name, IReadOnlyCollection<string> keys, CancellationToken cancel)
        {
            c.ApiAnswers();
            return Task.FromResult(c.Secrets.TryGetValue($"{@namespace}/{name}", out var data) && keys.All(data.ContainsKey));
        }

        public Task ApplySecretAsync(string @namespace, string name, IReadOnlyDictionary<string, byte[]> data, CancellationToken cancel)
        {
            c.Log($"apply secret {@namespace}/{name}");
            c.ApiAnswers();
            c.Secrets[$"{@namespace}/{name}"] = data.ToDictionary();
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<KustomizationStatus>> KustomizationsAsync(CancellationToken cancel)
        {
            c.ApiAnswers();
            return Task.FromResult<IReadOnlyList<KustomizationStatus>>(
                c.FluxInstalled && c.RootApplied && c._rootAppliedAt is { } at && c.Now >= at + c.Times.FluxReconcile
                    ? [new KustomizationStatus("flux-system", "flux-system", true, "Applied revision: main@sha1:abc")] : []);
        }
    }
}
