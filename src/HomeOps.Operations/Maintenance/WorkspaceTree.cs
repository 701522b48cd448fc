using HomeOps.Model.Repository;

namespace HomeOps.Operations.Maintenance;

/// <summary>The workspace read as a source tree, for compiling the repository inside an operation.</summary>
public sealed class WorkspaceTree(IWorkspace workspace) : ISourceTree
{
    public string Root => workspace.Root;
    public bool Exists(string path) => workspace.FileExists(path);
    public string ReadText(string path) => workspace.ReadText(path);
}
