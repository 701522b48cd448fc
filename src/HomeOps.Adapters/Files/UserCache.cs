namespace HomeOps.Adapters.Files;

/// <summary>Where homeops keeps its caches (schemas, charts, registered schematics).</summary>
public static class UserCache
{
    /// <summary>$XDG_CACHE_HOME/homeops/&lt;name&gt;, or ~/.cache/homeops/&lt;name&gt; without it.</summary>
    public static string Directory(string name) =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "homeops", name);
}
