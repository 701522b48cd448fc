using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace HomeOps.Tests.Support;

/// <summary>
/// Plays a running cluster's controllers against the API server fixture: kubelets (Nodes and their status),
/// Flux, Longhorn, cert-manager, Cilium's BGP agent and LB-IPAM each write the objects and status they would
/// write, in the real shapes, so day-2 commands read them exactly as on a live cluster.
/// </summary>
public sealed class LiveCluster(ApiServerFixture api, string ns)
{
    private IKubernetes Client => api.Client;

    public string Namespace => ns;

    public const string Router4 = "172.29.51.1", Router6 = "fd47:25e1:2f96:51::1";

    /// <summary>
    /// The reference cluster on a good day: mini01..03 Ready (kubelet v1.31.1, dual-stack), both BGP sessions per node
    /// established with the ingress IPs advertised, Flux Ready, two healthy volumes and roomy disks, a certificate good
    /// for 60 days, the two ingress Services at .200/.201 — and Cilium installed as far as the helm stand-in knows.
    /// </summary>
    public static async Task<LiveCluster> ReferenceAsync(ApiServerFixture api, StandIns standIns)
    {
        var live = await StartAsync(api);
        File.WriteAllText(Path.Combine(standIns.StatePath, "helm.json"),
            """{"releases": {"kube-system/cilium": {"chart": "cilium", "chartVersion": "1.17.6", "status": "deployed", "revision": 1}}}""");
        for (var i = 1; i <= 3; i++)
        {
            var node = $"mini0{i}";
            await live.NodeAsync(node, $"172.29.51.1{i}", $"fd47:25e1:2f96:51::1{i}", ready: true, kubeletVersion: "v1.31.1");
            await live.BgpNodeAsync(node, new Peer("udm-pro-v4", Router4, "established", 2, 0), new Peer("udm-pro-v6", Router6, "established", 0, 0));
            await live.LonghornNodeAsync(node, "/var/mnt/longhorn", available: 300L << 30, maximum: 500L << 30);
        }
        await live.FluxAsync(TestCrds.Kustomization, "infrastructure", true, "Applied revision: main@sha1:0123abcd");
        await live.FluxAsync(TestCrds.HelmRelease, "longhorn", true, "Helm upgrade succeeded");
        await live.VolumeAsync("pvc-grafana", "attached", "healthy", "mini01");
        await live.VolumeAsync("pvc-authentik-db", "attached", "healthy", "mini02");
        await live.CertificateAsync("wildcard-internal", "*.k8s.home.geoffdavis.com", DateTimeOffset.UtcNow.AddDays(60));
        await live.LoadBalancerAsync("ingress-nginx-internal", "172.29.52.200");
        await live.LoadBalancerAsync("ingress-nginx-public", "172.29.52.201");
        return live;
    }

    /// <summary>Creates a fresh namespace and, first, removes what earlier tests in the collection left of the kinds day-2 commands read cluster-wide.</summary>
    public static async Task<LiveCluster> StartAsync(ApiServerFixture api)
    {
        await api.InstallFluxCrdsAsync();
        await api.InstallDayTwoCrdsAsync();
        foreach (var node in (await api.Client.CoreV1.ListNodeAsync()).Items) await api.Client.CoreV1.DeleteNodeAsync(node.Metadata.Name);
        foreach (var crd in new[] { TestCrds.Kustomization, TestCrds.HelmRelease, TestCrds.LonghornVolume, TestCrds.LonghornNode, TestCrds.Certificate, TestCrds.BgpNodeConfig })
            await DeleteAllAsync(api.Client, crd);
        foreach (var service in (await api.Client.CoreV1.ListServiceForAllNamespacesAsync()).Items.Where(s => s.Spec.Type == "LoadBalancer"))
        {
            // a 1.20 API server answers a Service delete with a Status object, which the client's V1Service model cannot read: the delete itself succeeded
            try { await api.Client.CoreV1.DeleteNamespacedServiceAsync(service.Metadata.Name, service.Metadata.NamespaceProperty); }
            catch (JsonException) { }
        }
        return new LiveCluster(api, await api.CreateNamespaceAsync("live"));
    }

    private static async Task DeleteAllAsync(IKubernetes client, TestCrds.Crd crd)
    {
        var list = (JsonElement)await client.CustomObjects.ListClusterCustomObjectAsync(crd.Group, crd.StorageVersion, crd.Plural);
        foreach (var item in list.GetProperty("items").EnumerateArray())
        {
            var name = item.GetProperty("metadata").GetProperty("name").GetString()!;
            if (crd.ClusterScoped) await client.CustomObjects.DeleteClusterCustomObjectAsync(crd.Group, crd.StorageVersion, crd.Plural, name);
            else await client.CustomObjects.DeleteNamespacedCustomObjectAsync(crd.Group, crd.StorageVersion,
                item.GetProperty("metadata").GetProperty("namespace").GetString()!, crd.Plural, name);
        }
    }

    /// <summary>A kubelet registers its Node and reports Ready (or not), its version and addresses.</summary>
    public async Task NodeAsync(string name, string ipv4, string? ipv6, bool ready, string kubeletVersion = "v1.31.4", string podCidr4 = "10.244.0.0/24",
        string? podCidr6 = null)
    {
        var node = new V1Node
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name, ["node-role.kubernetes.io/control-plane"] = "" },
            },
            Spec = new V1NodeSpec { PodCIDR = podCidr4, PodCIDRs = podCidr6 is null ? [podCidr4] : [podCidr4, podCidr6] },
        };
        try { await Client.CoreV1.CreateNodeAsync(node); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict) { }
        var addresses = new List<object> { new { type = "InternalIP", address = ipv4 } };
        if (ipv6 is not null) addresses.Add(new { type = "InternalIP", address = ipv6 });
        addresses.Add(new { type = "Hostname", address = name });
        await Client.CoreV1.PatchNodeStatusAsync(Merge(new
        {
            status = new
            {
                addresses,
                nodeInfo = new
                {
                    kubeletVersion,
                    kubeProxyVersion = kubeletVersion,
                    osImage = "Talos (v1.10.5)",
                    operatingSystem = "linux",
                    architecture = "amd64",
                    containerRuntimeVersion = "containerd://2.0.5",
                    kernelVersion = "6.12.40-talos",
                    machineID = name,
                    systemUUID = name,
                    bootID = name,
                },
                conditions = new[]
                {
                    new
                    {
                        type = "Ready", status = ready ? "True" : "False", reason = ready ? "KubeletReady" : "KubeletNotReady",
                        message = ready ? "kubelet is posting ready status" : "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
                        lastHeartbeatTime = Now, lastTransitionTime = Now,
                    },
                },
            },
        }), name);
    }

    /// <summary>Flux's kustomize- or helm-controller reports a reconciliation.</summary>
    public async Task FluxAsync(TestCrds.Crd kind, string name, bool ready, string message)
    {
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(TestCrds.Object(kind, name, ns, new { interval = "10m" }),
            kind.Group, kind.StorageVersion, ns, kind.Plural);
        await Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            TestCrds.ConditionPatch("Ready", ready, ready ? "ReconciliationSucceeded" : "ReconciliationFailed", message),
            kind.Group, kind.StorageVersion, ns, kind.Plural, name);
    }

    /// <summary>Longhorn's volume controller: state and robustness of a volume with <paramref name="replicas"/> replicas.</summary>
    public Task VolumeAsync(string name, string state, string robustness, string? node, int replicas = 2) =>
        CreateWithStatusAsync(TestCrds.LonghornVolume, name,
            new { numberOfReplicas = replicas, size = "10737418240", frontend = "blockdev", dataEngine = "v1" }, VolumeStatus(state, robustness, node));

    /// <summary>Longhorn's volume controller reports a volume's state and robustness again (a rebuild started or finished).</summary>
    public Task SetVolumeAsync(string name, string state, string robustness, string? node) =>
        PatchStatusAsync(TestCrds.LonghornVolume, name, VolumeStatus(state, robustness, node));

    private static object VolumeStatus(string state, string robustness, string? node) =>
        new { state, robustness, currentNodeID = node ?? "", ownerID = node ?? "" };

    /// <summary>Longhorn's node controller: the node and its one disk (the USB SSD mount) with its space.</summary>
    public Task LonghornNodeAsync(string name, string path, long available, long maximum, bool ready = true) =>
        CreateWithStatusAsync(TestCrds.LonghornNode, name,
            new { allowScheduling = true, disks = new Dictionary<string, object> { ["longhorn-ssd"] = new { path, allowScheduling = true, diskType = "filesystem", storageReserved = 0 } } },
            new
            {
                conditions = new[] { Condition("Ready", ready, ready ? "" : "Kubernetes node is not ready"), Condition("Schedulable", true, "") },
                diskStatus = new Dictionary<string, object>
                {
                    ["longhorn-ssd"] = new
                    {
                        conditions = new[] { Condition("Ready", true, ""), Condition("Schedulable", true, "") },
                        diskPath = path,
                        diskType = "filesystem",
                        storageAvailable = available,
                        storageMaximum = maximum,
                        storageScheduled = maximum / 4,
                    },
                },
            });

    /// <summary>cert-manager's certificates controller: a certificate valid until <paramref name="notAfter"/>.</summary>
    public Task CertificateAsync(string name, string dnsName, DateTimeOffset notAfter, bool ready = true) =>
        CreateWithStatusAsync(TestCrds.Certificate, name,
            new { secretName = name + "-tls", dnsNames = new[] { dnsName }, issuerRef = new { name = "letsencrypt-production", kind = "ClusterIssuer" } },
            new
            {
                notBefore = notAfter.AddDays(-90).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
                notAfter = notAfter.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
                renewalTime = notAfter.AddDays(-30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
                revision = 3,
                conditions = new[] { Condition("Ready", ready, ready ? "Certificate is up to date and has not expired" : "Issuing certificate as Secret does not exist") },
            });

    /// <summary>One BGP peer as Cilium's agent reports it in CiliumBGPNodeConfig status.</summary>
    public sealed record Peer(string Name, string Address, string State, int AdvertisedV4, int AdvertisedV6);

    /// <summary>Cilium's BGP agent on <paramref name="node"/>: the node config (written by the operator) and its peers' status.</summary>
    public Task BgpNodeAsync(string node, params Peer[] peers) =>
        CreateWithStatusAsync(TestCrds.BgpNodeConfig, node,
            new { bgpInstances = new[] { new { name = "home-ops", localASN = 64512, peers = peers.Select(p => new { name = p.Name, peerAddress = p.Address, peerASN = 64513, peerConfigRef = new { name = "router" } }) } } },
            new
            {
                bgpInstances = new[]
                {
                    new
                    {
                        name = "home-ops", localASN = 64512,
                        peers = peers.Select(p => new
                        {
                            name = p.Name, peerAddress = p.Address, peerASN = 64513, peeringState = p.State,
                            establishedTime = p.State == "established" ? Now : null,
                            routeCount = new[]
                            {
                                new { afi = "ipv4", safi = "unicast", advertised = p.AdvertisedV4, received = 0 },
                                new { afi = "ipv6", safi = "unicast", advertised = p.AdvertisedV6, received = 0 },
                            },
                        }),
                    },
                },
            });

    /// <summary>A LoadBalancer Service and, when <paramref name="ip"/> is given, LB-IPAM's assignment in its status.</summary>
    public async Task LoadBalancerAsync(string name, string? ip)
    {
        await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1ServiceSpec { Type = "LoadBalancer", Selector = new Dictionary<string, string> { ["app"] = name }, Ports = [new V1ServicePort { Port = 443, Name = "https" }] },
        }, ns);
        if (ip is not null)
            await Client.CoreV1.PatchNamespacedServiceStatusAsync(Merge(new { status = new { loadBalancer = new { ingress = new[] { new { ip } } } } }), name, ns);
    }

    private async Task CreateWithStatusAsync(TestCrds.Crd crd, string name, object spec, object status)
    {
        var scope = crd.ClusterScoped ? null : ns;
        var body = TestCrds.Object(crd, name, scope, spec);
        if (scope is null) await Client.CustomObjects.CreateClusterCustomObjectAsync(body, crd.Group, crd.StorageVersion, crd.Plural);
        else await Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, crd.Group, crd.StorageVersion, scope, crd.Plural);
        await PatchStatusAsync(crd, name, status);
    }

    private Task PatchStatusAsync(TestCrds.Crd crd, string name, object status)
    {
        var patch = Merge(new { status });
        return crd.ClusterScoped
            ? Client.CustomObjects.PatchClusterCustomObjectStatusAsync(patch, crd.Group, crd.StorageVersion, crd.Plural, name)
            : Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, crd.Group, crd.StorageVersion, ns, crd.Plural, name);
    }

    private static object Condition(string type, bool status, string message) => new
    {
        type,
        status = status ? "True" : "False",
        reason = status ? type : "Not" + type,
        message,
        lastTransitionTime = Now,
        lastProbeTime = "",
    };

    private static string Now => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    private static V1Patch Merge(object body) => new(JsonSerializer.Serialize(body), V1Patch.PatchType.MergePatch);
}
