using System.Text.Json;
using HomeOps.Operations.Tools;

namespace HomeOps.Adapters.Tools;

/// <summary>
/// flux (fluxcd/flux2@v2.6.4 cmd/flux): `flux version --client -o json` prints {"flux": "v2.6.4"} through cobra's Print,
/// which the root command sends to stdout (version.go:70-137, main.go:166; both streams are read all the same).
/// </summary>
public sealed class Flux(ToolRunner runner) : IFlux
{
    public string Name => "flux";

    public Task<string?> VersionAsync(CancellationToken cancel) =>
        runner.VersionAsync(Name, ["version", "--client", "--output", "json"], Parse, "`{\"flux\": \"vX.Y.Z\"}`, as flux v2.6 prints it", cancel);

    private static string? Parse(ToolResult result)
    {
        foreach (var text in new[] { result.Stdout, result.Stderr })
        {
            var start = text.IndexOf('{');
            if (start < 0) continue;
            try
            {
                if (JsonDocument.Parse(text[start..]).RootElement.TryGetProperty("flux", out var v) && v.GetString() is { } s)
                    return ToolResults.Version(s);
            }
            catch (JsonException) { }
        }
        return null;
    }

    /// <summary>
    /// `flux install` with no --version installs the manifests embedded in the CLI (flux2@v2.6.4:cmd/flux/version_utils.go:27-63,
    /// install.go:142-164): no GitHub API call, no download, no "not compatible with your current version of flux". Any other
    /// --version than the CLI's own would fetch from GitHub (a different patch) or be refused (a different minor). A rerun
    /// server-side applies the same objects again.
    /// </summary>
    public async Task InstallAsync(string kubeconfig, CancellationToken cancel) =>
        (await runner.RunAsync(Name, ["install", "--kubeconfig", kubeconfig], cancel)).Check("flux install");

    public Task<ToolResult> ReconcileAsync(string kind, string @namespace, string name, string kubeconfig, CancellationToken cancel) =>
        runner.RunAsync(Name, ReconcileArguments(kind, @namespace, name, kubeconfig), cancel);

    /// <summary>reconcile_kustomization.go / reconcile_helmrelease.go: the kind word is lower-case; --with-source reconciles the source first.</summary>
    public static IReadOnlyList<string> ReconcileArguments(string kind, string @namespace, string name, string kubeconfig) =>
        ["reconcile", kind.ToLowerInvariant(), name, "--namespace", @namespace, "--with-source", "--kubeconfig", kubeconfig];
}
