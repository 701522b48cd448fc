using System.Text.Json;
using HomeOps.Model;
using HomeOps.Operations.Tools;

namespace HomeOps.Adapters.Tools;

/// <summary>
/// helm v3.16 (helm/helm@v3.16.4 cmd/helm): `helm version --short` prints "v3.16.4+g7877b45" (version.go:67-101); `helm status -o json`
/// prints the release object of pkg/release (name, namespace, version = revision, info.status,
/// chart.metadata.version); a missing release is exit 1 with "Error: release: not found".
/// </summary>
public sealed class Helm(ToolRunner runner) : IHelm
{
    public string Name => "helm";

    public Task<string?> VersionAsync(CancellationToken cancel) =>
        runner.VersionAsync(Name, ["version", "--short"], r => ToolResults.Version(r.Stdout), "`vX.Y.Z+gCOMMIT`, as helm v3 prints it", cancel);

    public async Task<HelmReleaseStatus?> StatusAsync(string release, string @namespace, string kubeconfig, CancellationToken cancel)
    {
        var result = await runner.RunAsync(Name, ["status", release, "--namespace", @namespace, "--output", "json", "--kubeconfig", kubeconfig], cancel);
        if (result.ExitCode != 0 && result.Stderr.Contains("release: not found", StringComparison.Ordinal)) return null;
        result.Check($"helm status {@namespace}/{release}");
        try
        {
            var root = JsonDocument.Parse(result.Stdout).RootElement;
            return new HelmReleaseStatus(
                root.GetProperty("name").GetString()!,
                root.GetProperty("namespace").GetString()!,
                root.GetProperty("info").GetProperty("status").GetString()!,
                root.GetProperty("chart").GetProperty("metadata").GetProperty("version").GetString()!,
                root.GetProperty("version").GetInt32());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            var seen = result.Stdout.Trim().Length == 0 ? "nothing" : $"output that is not a release ({e.Message})";
            throw new ToolFailedException(result, $"`{result.CommandLine}` printed {seen}; expected the release JSON of helm v3.16 " +
                "(name, namespace, info.status, chart.metadata.version, version)");
        }
    }

    /// <summary>
    /// `helm upgrade RELEASE CHART --install --repo URL --version V ... --wait --timeout 10m0s`; an oci:// repository
    /// is a chart reference of its own (helm rejects --repo with OCI), so the chart becomes URL/CHART.
    /// </summary>
    public async Task UpgradeInstallAsync(HelmInstall install, string kubeconfig, CancellationToken cancel) =>
        (await runner.RunAsync(Name, UpgradeArguments(install, kubeconfig), cancel)).Check($"helm upgrade --install {install.Namespace}/{install.Release}");

    public static string[] UpgradeArguments(HelmInstall install, string kubeconfig)
    {
        string[] chart = install.RepositoryUrl.StartsWith("oci://", StringComparison.Ordinal)
            ? [$"{install.RepositoryUrl.TrimEnd('/')}/{install.Chart}"]
            : [install.Chart, "--repo", install.RepositoryUrl];
        return ["upgrade", install.Release, chart[0], "--install", .. chart[1..],
            "--version", install.Version, "--namespace", install.Namespace, "--create-namespace",
            "--values", install.ValuesFile, "--wait", "--timeout", GoDuration.Format(install.Timeout),
            "--kubeconfig", kubeconfig];
    }
}
