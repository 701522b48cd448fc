namespace HomeOps.Model.Repository;

/// <summary>Read access to the operator's repository. Paths are repository-relative with '/'.</summary>
public interface ISourceTree
{
    string Root { get; }
    bool Exists(string path);
    string ReadText(string path);

    /// <summary>The file's bytes as a stream, for content that is not read whole (binary files scanned for secrets).</summary>
    Stream OpenRead(string path) => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(ReadText(path)));
}
