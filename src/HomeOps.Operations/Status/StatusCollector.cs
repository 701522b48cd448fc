using HomeOps.Operations.Maintenance;
using HomeOps.Operations.Observe;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Status;

/// <summary>
/// Reads everything `status` judges, all at once: Talos (node health, etcd, versions) through talosctl, Cilium through
/// the cilium CLI, the rest through the Kubernetes API. A source that fails becomes a problem in its section, never
/// the end of the report: with the API down, Talos' half of the picture is what the operator needs most.
/// </summary>
public sealed class StatusCollector(TalosHealth talos, Func<IClusterReader> connect, ICilium cilium, IWorkspace workspace, string kubeconfig, TimeProvider clock)
{
    public async Task<ClusterObservation> CollectAsync(CancellationToken cancel)
    {
        var at = clock.GetUtcNow();
        IClusterReader? reader = null;
        string? unreachable = null;
        try { reader = connect(); }
        catch (ClusterUnreachableException e) { unreachable = e.Message; }

        Task<Read<T>> Api<T>(Func<IClusterReader, Task<T?>> read) where T : class =>
            reader is null ? Task.FromResult(Read.Failed<T>(unreachable!)) : Guard(() => read(reader));

        var talosRead = Guard(() => TalosAsync(cancel));
        var nodes = Api<IReadOnlyList<LiveNode>>(async r => await r.NodesAsync(cancel));
        var flux = Api(r => r.FluxObjectsAsync(cancel));
        var ciliumRead = reader is null ? Task.FromResult(Read.Failed<CiliumHealth>(unreachable!)) : Guard<CiliumHealth>(async () => await cilium.StatusAsync(kubeconfig, cancel));
        var bgp = Api(r => r.BgpPeersAsync(cancel));
        var services = Api<IReadOnlyList<LiveService>>(async r => await r.ServicesAsync(cancel));
        var volumes = Api(r => r.LonghornVolumesAsync(cancel));
        var longhornNodes = Api(r => r.LonghornNodesAsync(cancel));
        var certificates = Api(r => r.CertificatesAsync(cancel));
        await Task.WhenAll(talosRead, nodes, flux, ciliumRead, bgp, services, volumes, longhornNodes, certificates);
        return new ClusterObservation(at, talosRead.Result, nodes.Result, flux.Result, ciliumRead.Result, bgp.Result, services.Result,
            volumes.Result, longhornNodes.Result, certificates.Result);
    }

    private async Task<TalosObservation?> TalosAsync(CancellationToken cancel)
    {
        if (!workspace.FileExists(talos.Talosconfig))
            throw new ClusterUnreachableException($"no talosconfig at {talos.Talosconfig}; run `homeops talos genconfig` (it writes the one the cluster was built with)");
        var health = talos.ReadAsync(cancel);
        var versions = talos.VersionsAsync(cancel);
        var (nodes, members) = await health;
        return new TalosObservation(nodes, members, await versions);
    }

    /// <summary>One source's failure is that source's problem: unreachable, a tool that failed, or an answer that did not parse.</summary>
    private static async Task<Read<T>> Guard<T>(Func<Task<T?>> read) where T : class
    {
        try { return Read.Of<T>(await read()); }
        catch (OperationCanceledException) { throw; }
        catch (ClusterUnreachableException e) { return Read.Failed<T>(e.Message); }
        catch (ToolFailedException e) { return Read.Failed<T>($"{e.Message}: {e.Result.Tail(3)}"); }
        catch (Exception e) when (e is ClusterReadException or System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            return Read.Failed<T>($"{e.GetType().Name}: {e.Message}");
        }
    }
}
