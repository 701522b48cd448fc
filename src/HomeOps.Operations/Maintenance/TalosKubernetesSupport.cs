namespace HomeOps.Operations.Maintenance;

/// <summary>
/// The Kubernetes minors (1.x) each Talos release line supports, from Talos' support matrix: siderolabs/talos
/// website/content/v1.10/introduction/support-matrix.md (1.10: 1.28–1.33; 1.9: 1.27–1.32) and
/// website/content/v1.12/introduction/support-matrix.md (1.11: 1.29–1.34), as on talos.dev/v1.X/introduction/support-matrix.
/// </summary>
public static class TalosKubernetesSupport
{
    public static IReadOnlyDictionary<string, (int Lowest, int Highest)> Lines { get; } = new Dictionary<string, (int, int)>
    {
        ["v1.9"] = (27, 32),
        ["v1.10"] = (28, 33),
        ["v1.11"] = (29, 34),
    };
}
