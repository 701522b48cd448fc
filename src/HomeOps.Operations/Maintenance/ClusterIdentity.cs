using System.Net;
using HomeOps.Compile.Talos;

namespace HomeOps.Operations.Maintenance;

/// <summary>
/// Is the Kubernetes API this kubeconfig reaches the cluster talconfig.yaml describes? Its server must be talconfig's
/// endpoint, or a control plane's VIP at the endpoint's port, or exactly the address the operator named with
/// --api-server (a tunnel, a port-forward). Checked before any day-2 command acts through the API (the upgrade gates,
/// `flux reconcile`, recover): the health of another cluster must never open a gate for this one.
/// </summary>
public static class ClusterIdentity
{
    /// <summary>The API addresses talconfig.yaml gives the cluster (https://host:port), or just <paramref name="apiServer"/> when named.</summary>
    public static IReadOnlyList<Uri> Expected(TalosPlan plan, string? apiServer)
    {
        if (apiServer is { Length: > 0 })
            return Uri.TryCreate(apiServer, UriKind.Absolute, out var named) ? [named]
                : throw new OperationInputException($"--api-server '{apiServer}' is not a URL like https://127.0.0.1:6443");
        var result = new List<Uri>();
        if (!Uri.TryCreate(plan.Config.Endpoint, UriKind.Absolute, out var endpoint)) return result;
        result.Add(endpoint);
        foreach (var node in plan.Nodes.Where(n => n.ControlPlane))
            foreach (var nic in node.Settings.NetworkInterfaces ?? [])
                if (nic.Vip is { } vip && IPAddress.TryParse(vip.Ip, out var ip))
                    result.Add(new UriBuilder(endpoint.Scheme, ip.ToString(), endpoint.Port).Uri);
        return result.DistinctBy(u => u.GetLeftPart(UriPartial.Authority)).ToList();
    }

    /// <summary>Throws <see cref="OperationRefusedException"/> naming both addresses when <paramref name="server"/> is not one of <see cref="Expected"/>.</summary>
    public static void Require(string server, TalosPlan plan, string? apiServer, string kubeconfig)
    {
        var expected = Expected(plan, apiServer);
        if (Uri.TryCreate(server, UriKind.Absolute, out var actual) && expected.Any(e => Same(e, actual))) return;
        throw new OperationRefusedException(
            $"the kubeconfig {kubeconfig} points at {server}, but cluster {plan.Config.ClusterName} in talconfig.yaml is reached at " +
            $"{string.Join(" or ", expected.Select(e => e.GetLeftPart(UriPartial.Authority)))}: refusing to act on what may be another cluster; nothing was changed. " +
            "Pass --kubeconfig with this cluster's kubeconfig (`homeops bootstrap --only kubeconfig` writes .homeops/kubeconfig), " +
            "or --api-server URL when you reach this cluster's API another way (an SSH tunnel, a port-forward)");
    }

    private static bool Same(Uri a, Uri b) =>
        a.Scheme == b.Scheme && a.Port == b.Port && (IPAddress.TryParse(a.Host.Trim('[', ']'), out var x) && IPAddress.TryParse(b.Host.Trim('[', ']'), out var y)
            ? x.Equals(y)
            : string.Equals(a.Host.TrimEnd('.'), b.Host.TrimEnd('.'), StringComparison.OrdinalIgnoreCase));
}
