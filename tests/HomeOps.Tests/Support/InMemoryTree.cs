using HomeOps.Model.Repository;

namespace HomeOps.Tests.Support;

/// <summary>A source tree held in memory, for pure compiler tests.</summary>
public sealed class InMemoryTree(Dictionary<string, string> files) : ISourceTree
{
    public string Root => "/memory";
    public bool Exists(string path) => files.ContainsKey(path);
    public string ReadText(string path) => files[path];
}
