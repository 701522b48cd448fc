using CliWrap;
using CliWrap.Buffered;

namespace HomeOps.Adapters.Files;

/// <summary>What Git says about one path: whether it is in a repository at all, tracked, ignored, or that Git could not tell (<see cref="Error"/>).</summary>
public sealed record GitStatus(bool InRepository, bool Tracked, bool Ignored, string? Error = null)
{
    public static readonly GitStatus NotARepository = new(false, false, false);

    public static GitStatus Failed(string error) => new(true, false, false, error);
}

/// <summary>What homeops needs to know from Git: before writing key material, and to list a repository's files.</summary>
public interface IGit
{
    /// <summary>
    /// Whether <paramref name="path"/> (relative to <paramref name="repositoryRoot"/>; anything below it counts) is tracked,
    /// and whether Git ignores it. Any answer Git cannot give is an <see cref="GitStatus.Error"/>, never a "no".
    /// </summary>
    GitStatus Status(string repositoryRoot, string path) =>
        ListFiles(repositoryRoot) is null ? GitStatus.NotARepository : GitStatus.Failed($"{GetType().Name} cannot tell what Git tracks");

    /// <summary>Tracked files plus untracked ones Git does not ignore, and which of them are tracked; null outside a repository.</summary>
    (IReadOnlyList<string> Files, IReadOnlySet<string> Tracked)? ListFiles(string repositoryRoot);
}

/// <summary>
/// The git command line. It runs with LC_ALL=C so its messages can be told apart: only "not a git repository" means
/// there is no repository; every other failure (dubious ownership, a corrupt index, a path beyond a symlink) is an error.
/// </summary>
public sealed class GitCli : IGit
{
    public GitStatus Status(string repositoryRoot, string path)
    {
        var top = Run(repositoryRoot, "rev-parse", "--show-toplevel");
        if (top is null)
            return HasGitDirectory(repositoryRoot)
                ? GitStatus.Failed("git is not installed, but this directory is in a Git repository")
                : GitStatus.NotARepository;
        if (top.ExitCode != 0)
            return top.StandardError.Contains("not a git repository", StringComparison.OrdinalIgnoreCase) && !HasGitDirectory(repositoryRoot)
                ? GitStatus.NotARepository
                : GitStatus.Failed(Said(top));
        // A case-insensitive file system (macOS, Windows) makes TalSecret.yaml and talsecret.yaml one file: match both.
        var ignoreCase = Run(repositoryRoot, "config", "--bool", "core.ignorecase") is { ExitCode: 0 } config && config.StandardOutput.Trim() == "true";
        var tracked = Run(repositoryRoot, "ls-files", "-z", "--", ignoreCase ? $":(literal,icase){path}" : $":(literal){path}");
        if (tracked is not { ExitCode: 0 }) return GitStatus.Failed(tracked is null ? "git stopped answering" : Said(tracked));
        var ignored = Run(repositoryRoot, "check-ignore", "-q", "--no-index", "--", path);
        return ignored?.ExitCode switch
        {
            0 => new GitStatus(true, tracked.StandardOutput.Length > 0, true),
            1 => new GitStatus(true, tracked.StandardOutput.Length > 0, false),
            _ => GitStatus.Failed(ignored is null ? "git stopped answering" : Said(ignored)),
        };
    }

    public (IReadOnlyList<string> Files, IReadOnlySet<string> Tracked)? ListFiles(string repositoryRoot)
    {
        if (Run(repositoryRoot, "ls-files", "-z", "--cached", "--others", "--exclude-standard") is not { ExitCode: 0 } all) return null;
        if (Run(repositoryRoot, "ls-files", "-z") is not { ExitCode: 0 } tracked) return null;
        static string[] Split(string output) => output.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        return (Split(all.StandardOutput).Distinct().Order(StringComparer.Ordinal).ToList(), Split(tracked.StandardOutput).ToHashSet(StringComparer.Ordinal));
    }

    private static string Said(BufferedCommandResult result) =>
        $"git said: {(result.StandardError.Trim() is { Length: > 0 } error ? error : $"exit {result.ExitCode}")}";

    /// <summary>A .git entry in the directory or any parent: Git's own idea of "inside a repository", without Git.</summary>
    private static bool HasGitDirectory(string directory)
    {
        for (var d = new DirectoryInfo(Path.GetFullPath(directory)); d is not null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, ".git")) || File.Exists(Path.Combine(d.FullName, ".git"))) return true;
        return false;
    }

    private static BufferedCommandResult? Run(string root, params string[] arguments)
    {
        try
        {
            // blocking on purpose (the callers are synchronous), on the thread pool so that no caller's synchronization
            // context can be waited on by the continuations of the very call that blocks it
            return Task.Run(async () => await Cli.Wrap("git").WithArguments(["-C", root, .. arguments])
                .WithEnvironmentVariables(e => e.Set("LC_ALL", "C").Set("LANGUAGE", "C").Set("GIT_OPTIONAL_LOCKS", "0"))
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync()).GetAwaiter().GetResult();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git on PATH
        }
    }
}
