namespace HomeOps.Model.Repository;

/// <summary>A file in the repository as the validator sees it.</summary>
/// <param name="Path">Repository-relative, with '/'.</param>
/// <param name="Text">Null for binary or oversized files, which only get their own finding.</param>
/// <param name="Tracked">Git tracks it (or the tree is not a Git repository, and every file counts).</param>
public sealed record RepoFile(string Path, string? Text, bool Tracked);
