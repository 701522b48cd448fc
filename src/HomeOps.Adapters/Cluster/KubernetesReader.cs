using System.Net;
using System.Text.Json;
using HomeOps.Operations.Observe;
using k8s;
using k8s.Autorest;

namespace HomeOps.Adapters.Cluster;

/// <summary>
/// <see cref="IClusterReader"/> through KubernetesClient: typed models for built-in kinds, JSON for custom resources,
/// whichever served version is listed (Longhorn v1beta2, cert-manager v1, Cilium v2alpha1, Flux v1/v2).
/// </summary>
public sealed class KubernetesClusterReader(IKubernetes client, string server) : IClusterReader
{
    public string Server => server;

    public Task<IReadOnlyList<LiveNode>> NodesAsync(CancellationToken cancel) => Call(async () =>
    {
        var nodes = await client.CoreV1.ListNodeAsync(cancellationToken: cancel);
        return (IReadOnlyList<LiveNode>)nodes.Items.Select(n =>
        {
            var ready = n.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
            return new LiveNode(n.Metadata.Name, ready?.Status == "True", ready?.Message ?? "no Ready condition reported",
                n.Status?.NodeInfo?.KubeletVersion ?? "", n.Status?.NodeInfo?.OsImage ?? "",
                (n.Metadata.Labels ?? new Dictionary<string, string>()).Keys
                    .Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
                    .Select(k => k["node-role.kubernetes.io/".Length..]).Order(StringComparer.Ordinal).ToList(),
                n.Status?.Addresses?.Where(a => a.Type == "InternalIP").Select(a => a.Address).ToList() ?? [],
                n.Spec?.PodCIDRs?.ToList() ?? (n.Spec?.PodCIDR is { } one ? [one] : []));
        }).OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
    });

    public Task<IReadOnlyList<FluxObject>?> FluxObjectsAsync(CancellationToken cancel) => Call(async () =>
    {
        var kustomizations = await KubernetesObjects.ListAsync(client, "kustomize.toolkit.fluxcd.io", "v1", "kustomizations", cancel);
        var releases = await KubernetesObjects.ListAsync(client, "helm.toolkit.fluxcd.io", "v2", "helmreleases", cancel);
        if (kustomizations is null && releases is null) return null;
        return (IReadOnlyList<FluxObject>?)(kustomizations ?? []).Select(k => Flux("Kustomization", k))
            .Concat((releases ?? []).Select(r => Flux("HelmRelease", r))).ToList();
    });

    private static FluxObject Flux(string kind, JsonElement item)
    {
        var ready = item.Array("status", "conditions").Condition("Ready");
        return new FluxObject(kind, item.Text("metadata", "namespace"), item.Text("metadata", "name"), ready.True,
            item.At("spec", "suspend").ValueKind == JsonValueKind.True,
            ready.Found ? ready.Reason : "Progressing", ready.Found ? ready.Message : "no Ready condition yet");
    }

    public Task<IReadOnlyList<LonghornVolume>?> LonghornVolumesAsync(CancellationToken cancel) => Call(async () =>
        (await KubernetesObjects.ListAsync(client, "longhorn.io", "v1beta2", "volumes", cancel))?.Select(v => new LonghornVolume(
            v.Text("metadata", "name"), v.Text("status", "state"), v.Text("status", "robustness"), v.Number("spec", "size"),
            (int)v.Number("spec", "numberOfReplicas"), v.Text("status", "currentNodeID") is { Length: > 0 } node ? node : null)).ToList()
        as IReadOnlyList<LonghornVolume>);

    public Task<IReadOnlyList<LonghornNode>?> LonghornNodesAsync(CancellationToken cancel) => Call(async () =>
        (await KubernetesObjects.ListAsync(client, "longhorn.io", "v1beta2", "nodes", cancel))?.Select(n =>
        {
            var conditions = n.Array("status", "conditions").ToList();
            var ready = conditions.Condition("Ready");
            var schedulable = conditions.Condition("Schedulable");
            var paths = n.Map("spec", "disks").ToDictionary(d => d.Name, d => d.Value.Text("path"));
            var disks = n.Map("status", "diskStatus").Select(d =>
            {
                var diskConditions = d.Value.Array("conditions").ToList();
                var diskReady = diskConditions.Condition("Ready");
                var diskSchedulable = diskConditions.Condition("Schedulable");
                return new LonghornDisk(d.Name, d.Value.Text("diskPath") is { Length: > 0 } p ? p : paths.GetValueOrDefault(d.Name, ""),
                    d.Value.Number("storageAvailable"), d.Value.Number("storageMaximum"), d.Value.Number("storageScheduled"),
                    diskReady.True, diskSchedulable.True, string.Join("; ", new[] { diskReady.Message, diskSchedulable.Message }.Where(m => m.Length > 0)));
            }).ToList();
            return new LonghornNode(n.Text("metadata", "name"), ready.True, schedulable.True,
                string.Join("; ", new[] { ready.Message, schedulable.Message }.Where(m => m.Length > 0)), disks);
        }).ToList() as IReadOnlyList<LonghornNode>);

    public Task<IReadOnlyList<CertificateStatus>?> CertificatesAsync(CancellationToken cancel) => Call(async () =>
        (await KubernetesObjects.ListAsync(client, "cert-manager.io", "v1", "certificates", cancel))?.Select(c =>
        {
            var ready = c.Array("status", "conditions").Condition("Ready");
            return new CertificateStatus(c.Text("metadata", "namespace"), c.Text("metadata", "name"),
                c.Array("spec", "dnsNames").Select(d => d.GetString() ?? "").ToList(), Time(c.Text("status", "notAfter")), ready.True,
                ready.Found ? ready.Message : "no Ready condition yet", Time(c.Text("status", "renewalTime")));
        }).ToList() as IReadOnlyList<CertificateStatus>);

    public Task<IReadOnlyList<BgpPeerStatus>?> BgpPeersAsync(CancellationToken cancel) => Call(async () =>
        (await KubernetesObjects.ListAsync(client, "cilium.io", "v2alpha1", "ciliumbgpnodeconfigs", cancel))?.SelectMany(config =>
            config.Array("status", "bgpInstances").SelectMany(instance => instance.Array("peers").Select(peer => new BgpPeerStatus(
                config.Text("metadata", "name"), instance.Text("name"), peer.Text("name"), peer.Text("peerAddress"), peer.Number("peerASN"),
                peer.Text("peeringState") is { Length: > 0 } state ? state : "unknown",
                peer.Array("routeCount").Where(r => r.Text("safi") == "unicast")
                    .GroupBy(r => r.Text("afi")).ToDictionary(g => g.Key, g => (int)g.Sum(r => r.Number("advertised")))))))
            .ToList() as IReadOnlyList<BgpPeerStatus>);

    public Task<IReadOnlyList<LiveService>> ServicesAsync(CancellationToken cancel) => Call(async () =>
        (IReadOnlyList<LiveService>)(await client.CoreV1.ListServiceForAllNamespacesAsync(cancellationToken: cancel)).Items.Select(s => new LiveService(
            s.Metadata.NamespaceProperty, s.Metadata.Name, s.Spec?.Type ?? "ClusterIP",
            s.Spec?.ClusterIPs?.Where(ip => ip != "None").ToList() ?? (s.Spec?.ClusterIP is { } ip && ip != "None" ? [ip] : []),
            s.Status?.LoadBalancer?.Ingress?.Select(i => i.Ip).OfType<string>().ToList() ?? [],
            s.Spec?.IpFamilies?.ToList() ?? [], s.Spec?.LoadBalancerIP)).ToList());

    public Task<IReadOnlyList<LivePod>> PodsAsync(CancellationToken cancel) => Call(async () =>
        (IReadOnlyList<LivePod>)(await client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: cancel)).Items.Select(p => new LivePod(
            p.Metadata.NamespaceProperty, p.Metadata.Name, p.Spec?.NodeName ?? "",
            p.Status?.PodIPs?.Select(i => i.Ip).ToList() ?? (p.Status?.PodIP is { } ip ? [ip] : []),
            p.Spec?.HostNetwork == true, p.Status?.Phase ?? "")).ToList());

    private static DateTimeOffset? Time(string text) =>
        DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    private Task<T> Call<T>(Func<Task<T>> read) => KubernetesCalls.Call(server, read);
}

/// <summary>How a call to the API server failed, in the Operations layer's terms.</summary>
internal static class KubernetesCalls
{
    /// <summary>Turns "the API does not answer" (refused, TLS, timeout, 401/403, 5xx) into <see cref="ClusterUnreachableException"/>.</summary>
    public static async Task<T> Call<T>(string server, Func<Task<T>> read)
    {
        try { return await read(); }
        catch (HttpRequestException e) { throw new ClusterUnreachableException($"the Kubernetes API at {server} does not answer: {e.Message}", e); }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException) { throw new ClusterUnreachableException($"the Kubernetes API at {server} timed out", e); }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new ClusterUnreachableException($"the Kubernetes API at {server} refused the kubeconfig's credentials ({(int)e.Response.StatusCode} {e.Response.StatusCode})", e);
        }
        catch (HttpOperationException e) when ((int)e.Response.StatusCode >= 500 || e.Response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            // an API server restarting (upgrade, reboot) or without etcd answers 5xx/429: not answering, for every caller's purposes
            throw new ClusterUnreachableException($"the Kubernetes API at {server} answers {(int)e.Response.StatusCode} {e.Response.StatusCode}: {e.Response.Content?.Trim()}", e);
        }
        catch (HttpOperationException e)
        {
            throw new ClusterReadException($"the Kubernetes API at {server} answered {(int)e.Response.StatusCode} {e.Response.StatusCode}: {e.Response.Content?.Trim()}", e);
        }
    }
}

public sealed class KubernetesClusterReaderFactory : IClusterReaderFactory
{
    public IClusterReader Connect(string kubeconfigPath)
    {
        if (!File.Exists(kubeconfigPath))
            throw new ClusterUnreachableException($"no kubeconfig at {kubeconfigPath}; pass --kubeconfig, set KUBECONFIG, or run `homeops bootstrap --only kubeconfig`");
        KubernetesClientConfiguration config;
        try { config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath); }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or YamlDotNet.Core.YamlException or ArgumentException)
        {
            throw new ClusterUnreachableException($"{kubeconfigPath} is not a usable kubeconfig: {e.Message}", e);
        }
        config.HttpClientTimeout = TimeSpan.FromSeconds(15);
        return new KubernetesClusterReader(new Kubernetes(config), config.Host);
    }
}
