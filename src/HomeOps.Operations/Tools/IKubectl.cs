namespace HomeOps.Operations.Tools;

public interface IKubectl : IVersionedTool
{
    /// <summary>`kubectl apply --server-side -k DIR`.</summary>
    Task ApplyKustomizationAsync(string directory, string kubeconfig, CancellationToken cancel);
}
