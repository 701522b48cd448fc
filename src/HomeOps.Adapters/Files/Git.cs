using CliWrap;
using CliWrap.Buffered;

namespace HomeOps.Adapters.Files;

/// <summary>What homeops needs to know from Git before writing key material.</summary>
public interface IGit
{
    /// <summary>True when <paramref name="path"/> (or anything below it) is in the index.</summary>
    bool IsTracked(string repositoryRoot, string path);

    /// <summary>True when Git would ignore <paramref name="path"/>; false also outside a repository.</summary>
    bool IsIgnored(string repositoryRoot, string path);

    /// <summary>Tracked files plus untracked ones Git does not ignore, and which of them are tracked; null outside a repository.</summary>
    (IReadOnlyList<string> Files, IReadOnlySet<string> Tracked)? ListFiles(string repositoryRoot);
}

public sealed class GitCli : IGit
{
    public bool IsTracked(string repositoryRoot, string path) =>
        Run(repositoryRoot, "ls-files", "--", path) is { ExitCode: 0 } r && r.StandardOutput.Trim().Length > 0;

    public bool IsIgnored(string repositoryRoot, string path) =>
        Run(repositoryRoot, "check-ignore", "-q", "--no-index", "--", path) is { ExitCode: 0 };

    public (IReadOnlyList<string> Files, IReadOnlySet<string> Tracked)? ListFiles(string repositoryRoot)
    {
        if (Run(repositoryRoot, "ls-files", "-z", "--cached", "--others", "--exclude-standard") is not { ExitCode: 0 } all) return null;
        if (Run(repositoryRoot, "ls-files", "-z") is not { ExitCode: 0 } tracked) return null;
        static string[] Split(string output) => output.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        return (Split(all.StandardOutput).Distinct().Order(StringComparer.Ordinal).ToList(), Split(tracked.StandardOutput).ToHashSet(StringComparer.Ordinal));
    }

    private static BufferedCommandResult? Run(string root, params string[] arguments)
    {
        try
        {
            // blocking on purpose (the callers are synchronous), on the thread pool so that no caller's synchronization
            // context can be waited on by the continuations of the very call that blocks it
            return Task.Run(async () => await Cli.Wrap("git").WithArguments(["-C", root, .. arguments])
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync()).GetAwaiter().GetResult();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git: nothing can be tracked
        }
    }
}
