using System.Text.Json;
using HomeOps.Operations.Tools;

namespace HomeOps.Adapters.Tools;

/// <summary>
/// flux (fluxcd/flux2 cmd/flux): `flux version --client -o json` prints {"flux": "v2.6.4"} (version.go; it
/// prints through cobra's Print, which is stderr unless the root command redirects it, so both streams are read).
/// </summary>
public sealed class Flux(ToolRunner runner) : IFlux
{
    public string Name => "flux";

    public Task<string?> VersionAsync(CancellationToken cancel) =>
        runner.VersionAsync(Name, ["version", "--client", "--output", "json"], Parse, cancel);

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

    /// <summary>`flux install --version=v2.6.4`: idempotent (server-side apply of the controllers and CRDs).</summary>
    public async Task InstallAsync(string version, string kubeconfig, CancellationToken cancel) =>
        (await runner.RunAsync(Name, ["install", $"--version={version}", "--kubeconfig", kubeconfig], cancel)).Check($"flux install {version}");

    public Task<ToolResult> ReconcileAsync(string kind, string @namespace, string name, string kubeconfig, CancellationToken cancel) =>
        runner.RunAsync(Name, ReconcileArguments(kind, @namespace, name, kubeconfig), cancel);

    /// <summary>reconcile_kustomization.go / reconcile_helmrelease.go: the kind word is lower-case; --with-source reconciles the source first.</summary>
    public static IReadOnlyList<string> ReconcileArguments(string kind, string @namespace, string name, string kubeconfig) =>
        ["reconcile", kind.ToLowerInvariant(), name, "--namespace", @namespace, "--with-source", "--kubeconfig", kubeconfig];
}
