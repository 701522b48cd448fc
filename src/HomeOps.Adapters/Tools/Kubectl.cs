using System.Text.Json;
using HomeOps.Operations.Tools;

namespace HomeOps.Adapters.Tools;

/// <summary>
/// kubectl: `kubectl version --client -o json` prints {"clientVersion": {"gitVersion": "v1.32.3", ...},
/// "kustomizeVersion": "v5.5.0"} (checked against the real kubectl v1.32 installed here).
/// </summary>
public sealed class Kubectl(ToolRunner runner) : IKubectl
{
    public string Name => "kubectl";

    public Task<string?> VersionAsync(CancellationToken cancel) =>
        runner.VersionAsync(Name, ["version", "--client", "--output", "json"], r =>
        {
            try
            {
                return JsonDocument.Parse(r.Stdout).RootElement.GetProperty("clientVersion").GetProperty("gitVersion").GetString() is { } v
                    ? ToolResults.Version(v) : null;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException) { return null; }
        }, "JSON with `clientVersion.gitVersion`, as kubectl v1 prints it", cancel);

    public async Task ApplyKustomizationAsync(string directory, string kubeconfig, CancellationToken cancel) =>
        (await runner.RunAsync(Name, ["apply", "--server-side", "-k", directory, "--kubeconfig", kubeconfig], cancel))
            .Check($"kubectl apply -k {directory}");
}
