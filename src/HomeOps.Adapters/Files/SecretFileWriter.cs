using System.Text;
using HomeOps.Model;
using HomeOps.Model.Repository;

namespace HomeOps.Adapters.Files;

/// <summary>
/// Writes files that hold key material: refuses any target Git tracks, writes every file to a
/// temporary sibling first (mode 0600, fsync) and renames only when all succeeded, so a failure
/// never leaves a half-written set behind.
/// </summary>
public sealed class SecretFileWriter(string repositoryRoot, IGit git)
{
    public IReadOnlyList<Finding> Check(IEnumerable<string> relativePaths)
    {
        var problems = new List<Finding>();
        foreach (var path in relativePaths)
        {
            if (git.IsTracked(repositoryRoot, path))
                problems.Add(Finding.Error("secrets/tracked-target", SourceLocation.InFile(path),
                    $"refusing to write key material to {path}: Git tracks it",
                    $"run `git rm --cached {path}`, add it to .gitignore, and rotate whatever it held"));
        }
        return problems;
    }

    /// <summary>Writes all files or none. Throws <see cref="HomeOpsException"/> with the reason.</summary>
    public void WriteAll(IReadOnlyList<(string Path, string Content)> files)
    {
        if (Check(files.Select(f => f.Path)) is { Count: > 0 } refused) throw new HomeOpsException(refused);
        var staged = new List<(string Temp, string Final)>();
        try
        {
            foreach (var (path, content) in files)
            {
                var final = Path.GetFullPath(Path.Combine(repositoryRoot, path));
                if (!RepoPath.IsInside(repositoryRoot, final))
                    throw new HomeOpsException(Finding.Error("secrets/outside-repo", SourceLocation.InFile(path),
                        $"refusing to write {path}: it is outside the repository", "write secrets inside the repository, to a gitignored path"));
                var directory = Path.GetDirectoryName(final)!;
                if (!Directory.Exists(directory))
                {
                    // only directories we create get the private mode; an existing one is the operator's
                    Directory.CreateDirectory(directory);
                    if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
                var temp = Path.Combine(directory, $".{Path.GetFileName(final)}.{Environment.ProcessId}.tmp");
                File.Delete(temp); // a stale temp file would keep its old mode
                var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                using (var stream = new FileStream(temp, options))
                {
                    staged.Add((temp, final));
                    stream.Write(Encoding.UTF8.GetBytes(content));
                    stream.Flush(flushToDisk: true);
                }
            }
            foreach (var (temp, final) in staged) File.Move(temp, final, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var (temp, _) in staged) File.Delete(temp);
            throw new HomeOpsException(Finding.Error("io/write", SourceLocation.InFile(files[0].Path),
                $"cannot write output: {e.Message}", "check that the directory exists and is writable, then rerun; nothing was written"));
        }
    }
}
