namespace HomeOps.Core.Edge.Tools;

// The narrow adapters bootstrap drives, one per external CLI. Each turns the tool's real flags and
// output formats into these few calls; nothing else in homeops builds a command line for them.
// Secrets never appear on a command line: they travel through 0600 files or stdin.

/// <summary>A finished tool invocation, with the command line as it may be shown (secrets redacted).</summary>
public sealed record ToolResult(string CommandLine, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The last lines of stderr (or stdout when stderr is empty), for failure messages.</summary>
    public string Tail(int lines = 15)
    {
        var text = Stderr.Trim().Length > 0 ? Stderr : Stdout;
        return string.Join('\n', text.TrimEnd().Split('\n').TakeLast(lines));
    }
}

/// <summary>A tool exited non-zero (or could not be started); carries the result for the failure report.</summary>
public sealed class ToolFailedException(ToolResult result, string? message = null)
    : Exception(message ?? $"`{result.CommandLine}` exited {result.ExitCode}")
{
    public ToolResult Result { get; } = result;
}

/// <summary>Every adapter can say which version of its tool is installed (null: not on PATH).</summary>
public interface IVersionedTool
{
    string Name { get; }

    Task<string?> VersionAsync(CancellationToken cancel);
}

/// <summary>How a Talos node answers on its API port.</summary>
public enum TalosNodeState { Unreachable, Maintenance, Configured }

public interface ITalosctl : IVersionedTool
{
    /// <summary>Maintenance mode (answers --insecure, no config yet), configured (answers with the talosconfig), or unreachable.</summary>
    Task<TalosNodeState> StateAsync(string node, string talosconfig, CancellationToken cancel);

    /// <summary>`talosctl apply-config --insecure --nodes NODE --file FILE`.</summary>
    Task ApplyConfigInsecureAsync(string node, string configFile, CancellationToken cancel);

    /// <summary>True when etcd runs on the node (the cluster is already bootstrapped).</summary>
    Task<bool> EtcdRunningAsync(string node, string talosconfig, CancellationToken cancel);

    /// <summary>`talosctl bootstrap`: once per cluster, ever.</summary>
    Task BootstrapAsync(string node, string talosconfig, CancellationToken cancel);

    /// <summary>`talosctl kubeconfig --force PATH` (the file is written 0600).</summary>
    Task KubeconfigAsync(string node, string talosconfig, string path, CancellationToken cancel);
}

/// <summary>A Helm release as `helm status -o json` reports it.</summary>
public sealed record HelmReleaseStatus(string Name, string Namespace, string Status, string ChartVersion, int Revision);

/// <summary>What `helm upgrade --install` gets: chart from a repository URL at one version, values from a file.</summary>
public sealed record HelmInstall(string Release, string Namespace, string Chart, string RepositoryUrl, string Version, string ValuesFile, TimeSpan Timeout);

public interface IHelm : IVersionedTool
{
    Task<HelmReleaseStatus?> StatusAsync(string release, string @namespace, string kubeconfig, CancellationToken cancel);

    Task UpgradeInstallAsync(HelmInstall install, string kubeconfig, CancellationToken cancel);
}

public interface IFlux : IVersionedTool
{
    /// <summary>`flux install --version VERSION` (the controllers and CRDs).</summary>
    Task InstallAsync(string version, string kubeconfig, CancellationToken cancel);
}

/// <summary>`cilium status -o json` reduced to what bootstrap checks.</summary>
public sealed record CiliumHealth(bool Ready, IReadOnlyList<string> Problems);

/// <summary>One BGP session as `cilium bgp peers -o json` lists it.</summary>
public sealed record BgpPeer(string Node, string PeerAddress, long PeerAsn, string SessionState, int AdvertisedRoutes);

public interface ICilium : IVersionedTool
{
    Task<CiliumHealth> StatusAsync(string kubeconfig, CancellationToken cancel);

    Task<IReadOnlyList<BgpPeer>> BgpPeersAsync(string kubeconfig, CancellationToken cancel);
}

/// <summary>A 1Password item's fields by label (values are secrets: never log them).</summary>
public sealed record OnePasswordItem(string Title, IReadOnlyDictionary<string, string> Fields);

public interface IOnePassword : IVersionedTool
{
    /// <summary>`op item get ITEM --vault V --account A --format json --reveal`; null when the item does not exist.</summary>
    Task<OnePasswordItem?> ItemAsync(string account, string vault, string item, CancellationToken cancel);
}

public interface IKubectl : IVersionedTool
{
    /// <summary>`kubectl apply --server-side -k DIR`.</summary>
    Task ApplyKustomizationAsync(string directory, string kubeconfig, CancellationToken cancel);
}
