namespace HomeOps.Operations.Bootstrap.Phases;

/// <summary>Fetches the admin kubeconfig from Talos into the state folder (0600, gitignored).</summary>
public sealed class KubeconfigPhase : IPhase
{
    public string Name => "kubeconfig";

    public Task<bool> IsDoneAsync(BootstrapContext context, CancellationToken cancel) =>
        Task.FromResult(context.Workspace.FileSize(context.Kubeconfig) > 0);

    public Task RunAsync(BootstrapContext context, CancellationToken cancel)
    {
        context.Workspace.PreparePrivateFile(context.Kubeconfig); // 0600 (in a 0700 directory) before talosctl writes credentials into it
        return context.Tools.Talosctl.KubeconfigAsync(context.ControlPlaneNode, context.Talosconfig, context.Kubeconfig, cancel);
    }

    public IEnumerable<string> Describe(BootstrapContext context) =>
        [$"talosctl kubeconfig {Path.GetRelativePath(context.Repo.Root, context.Kubeconfig)} --nodes {context.ControlPlaneNode} --endpoints {context.ControlPlaneNode} --force"];
}
