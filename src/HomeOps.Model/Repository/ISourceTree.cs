namespace HomeOps.Model.Repository;

/// <summary>Read access to the operator's repository. Paths are repository-relative with '/'.</summary>
public interface ISourceTree
{
    string Root { get; }
    bool Exists(string path);
    string ReadText(string path);
}
