using System.Net;
using HomeOps.Compile.Talos;
using HomeOps.Model.Network;

namespace HomeOps.Operations.Diagnose;

/// <summary>A node as talconfig.yaml plans it: its hostname (the Kubernetes Node name), the address talosctl reaches it at, and its interface addresses.</summary>
public sealed record PlannedNode(string Hostname, string TalosAddress, IReadOnlyList<IPAddress> Addresses)
{
    /// <summary>Every node of the loaded talconfig; empty when it did not load.</summary>
    public static IReadOnlyList<PlannedNode> From(TalosPlan? plan) =>
        plan?.Nodes.Select(n => new PlannedNode(n.Hostname, n.Node.IpAddress,
            (n.Settings.NetworkInterfaces ?? []).SelectMany(i => i.Addresses ?? [])
                .Select(a => Cidr.TryParseInterface(a, out var ip, out _) ? ip : null).OfType<IPAddress>().ToList())).ToList() ?? [];
}
