namespace HomeOps.Model.Repository;

public static class RepoPath
{
    /// <summary>Joins and normalizes repository-relative paths ("a/./b/../c" → "a/c"); a leading ".." stays, to be refused on read.</summary>
    public static string Join(string directory, string path)
    {
        var parts = new List<string>();
        foreach (var part in $"{directory}/{path}".Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == ".." && parts.Count > 0 && parts[^1] != "..") parts.RemoveAt(parts.Count - 1);
            else parts.Add(part);
        }
        return string.Join('/', parts);
    }

    /// <summary>True when the absolute path <paramref name="full"/> is <paramref name="root"/> or below it.</summary>
    public static bool IsInside(string root, string full)
    {
        root = Path.GetFullPath(root).TrimEnd('/');
        return full == root || full.StartsWith(root + "/", StringComparison.Ordinal);
    }
}
